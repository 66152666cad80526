import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadTrustPolicy, TrustCode, TrustPolicyError, validateTrustPolicyFile } from '../../src/trust/index.js';
import { makeTempDir } from '../helpers/cli.js';
import { makeEd25519, type TestKey } from '../signing/keys.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
let alice: TestKey;
let bob: TestKey;
beforeAll(async () => {
  alice = await makeEd25519('Alice');
  bob = await makeEd25519('Bob');
});

function grouped(fingerprint: string): string {
  const groups = fingerprint.toLowerCase().match(/.{4}/g)!;
  return `${groups.slice(0, 5).join(' ')}  ${groups.slice(5).join(' ')}`;
}

function v1Policy(extra = ''): string {
  return `apiVersion: evidence-packet/v1
kind: TrustPolicy
signers:
  - id: alice
    name: Alice Example
    roles: [operator]
    fingerprints: ["${grouped(alice.fingerprint)}"]
    key: keys/alice.asc
  - id: bob
    name: Bob Example
    roles: [approver]
    fingerprints: ["${bob.fingerprint}"]
require:
  signatures: 2
  roles: [operator, approver]
  timestamps: true
tsa:
  - name: Example TSA
    roots: [tsa-root.pem, "${PEM.replace(/\n/g, '\\n')}"]
${extra}`;
}

const temps: { cleanup(): void }[] = [];
afterAll(() => temps.forEach((temp) => temp.cleanup()));

function dirWith(files: Record<string, string>): string {
  const temp = makeTempDir('policy-');
  temps.push(temp);
  for (const [name, content] of Object.entries(files)) {
    const path = join(temp.path, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  return temp.path;
}

async function problems(text: string, extraFiles: Record<string, string> = {}): Promise<{ code: string; line: number | undefined }[]> {
  const dir = dirWith({ 'policy.yaml': text, 'keys/alice.asc': alice.publicArmored, 'tsa-root.pem': PEM, ...extraFiles });
  const result = await validateTrustPolicyFile(join(dir, 'policy.yaml'));
  return result.checks.map((check) => ({ code: check.code, line: check.location?.line }));
}

describe('loading the v1 policy form', () => {
  test('the DESIGN.md form loads: fingerprints normalized, key file and TSA roots read', async () => {
    const dir = dirWith({ 'policy.yaml': v1Policy(), 'keys/alice.asc': alice.publicArmored, 'tsa-root.pem': PEM });
    const policy = await loadTrustPolicy(join(dir, 'policy.yaml'));
    expect(policy.signers[0]!.fingerprints).toEqual([alice.fingerprint]);
    expect(policy.signers[0]!.key?.fingerprint).toBe(alice.fingerprint);
    expect(policy.require).toEqual({ signatures: 2, roles: ['operator', 'approver'], timestamps: true });
    expect(policy.tsa[0]!.roots).toHaveLength(2);
    expect(policy.tsa[0]!.roots[0]!.source).toBe(join(dir, 'tsa-root.pem'));
  });

  test('JSON policies load too', async () => {
    const json = JSON.stringify({
      apiVersion: 'evidence-packet/v1',
      kind: 'TrustPolicy',
      signers: [{ id: 'alice', name: 'A', roles: ['operator'], fingerprints: [alice.fingerprint] }],
      require: { signatures: 1, timestamps: false },
    });
    const dir = dirWith({ 'policy.json': json });
    const policy = await loadTrustPolicy(join(dir, 'policy.json'));
    expect(policy.require.roles).toEqual([]);
  });
});

describe('policy problems have codes and lines', () => {
  test('an unknown field is a schema error at its line', async () => {
    expect(await problems(v1Policy('extra: 1\n'))).toEqual([{ code: TrustCode.POLICY_SCHEMA, line: 1 }]);
  });

  test('a malformed fingerprint is a schema error at its line', async () => {
    const text = v1Policy().replace(bob.fingerprint, 'ABCD');
    expect(await problems(text)).toEqual([{ code: TrustCode.POLICY_SCHEMA, line: 12 }]);
  });

  test('YAML syntax errors and duplicate keys', async () => {
    expect((await problems('apiVersion: [\n'))[0]?.code).toBe(TrustCode.POLICY_SYNTAX);
    expect((await problems(v1Policy().replace('kind: TrustPolicy', 'kind: TrustPolicy\nkind: TrustPolicy')))[0]?.code).toBe(TrustCode.POLICY_SYNTAX);
  });

  test('a fingerprint pinned to two people', async () => {
    const text = v1Policy().replace(`["${bob.fingerprint}"]`, `["${alice.fingerprint}"]`);
    expect(await problems(text)).toEqual([{ code: TrustCode.POLICY_FINGERPRINT_PINNED_TWICE, line: 12 }]);
  });

  test('a duplicate signer id', async () => {
    const text = v1Policy().replace('id: bob', 'id: alice');
    expect((await problems(text)).map((p) => p.code)).toContain(TrustCode.POLICY_DUPLICATE_SIGNER_ID);
  });

  test('a required role that no signer holds is an error', async () => {
    const text = v1Policy().replace('roles: [operator, approver]', 'roles: [operator, approver, auditor]');
    expect(await problems(text)).toEqual([{ code: TrustCode.POLICY_ROLE_UNHELD, line: 15 }]);
  });

  test('more signatures required than people named', async () => {
    const text = v1Policy().replace('signatures: 2', 'signatures: 3');
    expect((await problems(text)).map((p) => p.code)).toEqual([TrustCode.POLICY_UNSATISFIABLE]);
  });

  test('a key file whose fingerprint differs from the pin', async () => {
    expect((await problems(v1Policy(), { 'keys/alice.asc': bob.publicArmored })).map((p) => p.code)).toEqual([TrustCode.POLICY_KEY_FINGERPRINT_MISMATCH]);
  });

  test('a private key as key file is refused', async () => {
    expect((await problems(v1Policy(), { 'keys/alice.asc': alice.privateArmored })).map((p) => p.code)).toEqual([TrustCode.POLICY_KEY_INVALID]);
  });

  test('missing files and non-PEM roots', async () => {
    const text = v1Policy().replace('keys/alice.asc', 'keys/missing.asc').replace('tsa-root.pem', 'missing.pem');
    expect((await problems(text)).map((p) => p.code)).toEqual([TrustCode.POLICY_KEY_FILE_UNREADABLE, TrustCode.POLICY_TSA_ROOT_UNREADABLE]);
    expect((await problems(v1Policy(), { 'tsa-root.pem': 'not a pem' })).map((p) => p.code)).toEqual([TrustCode.POLICY_TSA_ROOT_NOT_PEM]);
  });

  test('timestamps required but no TSA', async () => {
    const text = v1Policy().replace(/tsa:\n[\s\S]*$/, '');
    expect((await problems(text)).map((p) => p.code)).toEqual([TrustCode.POLICY_NO_TSA]);
  });

  test('loadTrustPolicy throws an input PacketError carrying every problem', async () => {
    const dir = dirWith({ 'policy.yaml': 'apiVersion: x\n' });
    const error = await loadTrustPolicy(join(dir, 'policy.yaml')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrustPolicyError);
    expect((error as TrustPolicyError).kind).toBe('input');
    expect((error as TrustPolicyError).checks.length).toBeGreaterThan(1);
    expect((await validateTrustPolicyFile(join(dir, 'nope.yaml'))).checks[0]?.code).toBe(TrustCode.POLICY_UNREADABLE);
  });
});

describe('tsa[].certificates: candidates the auditor supplies, never anchors', () => {
  const withCertificates = (entries: string): string =>
    v1Policy().replace(`    roots: [tsa-root.pem, "${PEM.replace(/\n/g, '\\n')}"]\n`, `    roots: [tsa-root.pem]\n    certificates: ${entries}\n`);

  test('files and inline PEM load as certificates, apart from the roots', async () => {
    const dir = dirWith({ 'policy.yaml': withCertificates(`[tsa-certs.pem, "${PEM.replace(/\n/g, '\\n')}"]`), 'keys/alice.asc': alice.publicArmored, 'tsa-root.pem': PEM, 'tsa-certs.pem': PEM + PEM });
    const policy = await loadTrustPolicy(join(dir, 'policy.yaml'));
    expect(policy.tsa[0]!.roots).toHaveLength(1);
    expect(policy.tsa[0]!.certificates.map((c) => c.source)).toEqual([join(dir, 'tsa-certs.pem'), 'Example TSA certificate 2 (inline)']);
  });

  test('a missing or non-PEM certificate file is a policy error with its own code and line', async () => {
    expect(await problems(withCertificates('[missing.pem]'))).toEqual([{ code: TrustCode.POLICY_TSA_CERT_UNREADABLE, line: 20 }]);
    expect(await problems(withCertificates('[junk.pem]'), { 'junk.pem': 'not a certificate' })).toEqual([{ code: TrustCode.POLICY_TSA_CERT_NOT_PEM, line: 20 }]);
  });

  test('the schema bounds the list and refuses other fields', async () => {
    const many = `[${Array.from({ length: 21 }, () => 'tsa-root.pem').join(', ')}]`;
    expect((await problems(withCertificates(many))).map((p) => p.code)).toEqual([TrustCode.POLICY_SCHEMA]);
  });
});
