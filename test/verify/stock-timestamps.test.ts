/**
 * VERIFY.md's time-stamp step, run as written in bash (only `date`, `sed` and `openssl`), gives
 * the same verdict as `packet verify` on good packets and on each failure class of the
 * time-stamp path: TSA certificate expired since genTime (needs -attime), expired at genTime, a
 * token from after the evaluation time, path-validation failures, weak certificate algorithms,
 * and tokens without certificates whose TSA certificate the auditor supplies (-untrusted). What
 * openssl cannot judge, VERIFY.md says so (asserted below).
 *
 * Tokens come from the project's TSA code with a fixed genTime; certificates from a generator
 * with fixed dates, so the real clock plays no part (the real today is long after every
 * certificate here has expired, which is exactly what -attime must cope with).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyUsageFlags } from '@peculiar/asn1-x509';
import { buildPacket } from '../../src/packet/build.js';
import { readPacket } from '../../src/packet/reader.js';
import { addUnsealedFiles } from '../../src/packet/update.js';
import { signPacket } from '../../src/ceremony/sign.js';
import { importTimestamp } from '../../src/ceremony/timestamp.js';
import { parseTimeStamp } from '../../src/timestamp/index.js';
import { makeTempDir, runCli } from '../helpers/cli.js';
import { makeEd25519, type TestKey } from '../signing/keys.js';
import { DAY, issue, tokenFor, type CertSpec, type Issued } from '../timestamp/pki.js';

const GEN_TIME = new Date('2026-03-01T12:00:00Z');
const SIGNED_AT = new Date(GEN_TIME.getTime() - 10 * DAY);
const VERIFY_AT = new Date(GEN_TIME.getTime() + DAY);
const window = { notBefore: new Date(GEN_TIME.getTime() - 30 * DAY), notAfter: new Date(GEN_TIME.getTime() + 100 * DAY) };
const UNKNOWN_CRITICAL = { oid: '1.3.6.1.4.1.32473.9.9', critical: true, value: Uint8Array.of(0x05, 0x00) };

interface Pki {
  root: Issued;
  intermediate: Issued;
  tsa: Issued;
}

function pki(over: { root?: Partial<CertSpec>; intermediate?: Partial<CertSpec>; tsa?: Partial<CertSpec> } = {}): Pki {
  const root = issue({ cn: 'Stock Test Root', ca: true, ...window, ...over.root });
  const intermediate = issue({ cn: 'Stock Test Intermediate', ca: true, issuer: root, ...window, ...over.intermediate });
  const tsa = issue({ cn: 'Stock Test TSA', issuer: intermediate, ...window, ...over.tsa });
  return { root, intermediate, tsa };
}

interface Case {
  name: string;
  pki: () => Pki;
  /** The packet verify reason code expected on the time-stamps (OK: the packet verifies). */
  code: string;
  now?: Date;
  certless?: boolean;
  /** The auditor supplies the TSA certificate and intermediate (policy and tsa-certs.pem). */
  supplied?: boolean;
  /** What `openssl ts -verify` must say: the same cause, not some other failure (such as expiry at today's date). */
  openssl?: RegExp;
}

const cases: Case[] = [
  { name: 'good packet', pki: () => pki(), code: 'OK' },
  { name: 'TSA certificate expired since genTime (valid at genTime)', pki: () => pki({ tsa: { notAfter: new Date(GEN_TIME.getTime() + DAY / 2) } }), code: 'OK', now: new Date(GEN_TIME.getTime() + 60 * DAY) },
  { name: 'TSA certificate expired at genTime', pki: () => pki({ tsa: { notAfter: new Date(GEN_TIME.getTime() - DAY) } }), code: 'CERT_EXPIRED', openssl: /certificate has expired/ },
  { name: 'token from after the evaluation time', pki: () => pki(), code: 'GENTIME_AFTER_EVALUATION_TIME', now: new Date(GEN_TIME.getTime() - 5 * DAY) },
  { name: "root's pathLenConstraint exceeded", pki: () => pki({ root: { pathLen: 0 } }), code: 'PATH_LENGTH_EXCEEDED', openssl: /path length constraint exceeded/ },
  { name: 'unknown critical extension in the TSA certificate', pki: () => pki({ tsa: { extra: [UNKNOWN_CRITICAL] } }), code: 'CERT_UNKNOWN_CRITICAL_EXTENSION', openssl: /unhandled critical extension/ },
  { name: 'unknown critical extension in the intermediate', pki: () => pki({ intermediate: { extra: [UNKNOWN_CRITICAL] } }), code: 'CERT_UNKNOWN_CRITICAL_EXTENSION', openssl: /unhandled critical extension/ },
  { name: 'TSA key usage without digitalSignature', pki: () => pki({ tsa: { keyUsage: KeyUsageFlags.keyAgreement } }), code: 'TSA_KEY_USAGE', openssl: /unsuitable certificate purpose/ },
  { name: 'name constraints violated', pki: () => pki({ intermediate: { permittedO: 'Allowed Org' }, tsa: { o: 'Other Org' } }), code: 'NAME_CONSTRAINTS_UNSUPPORTED', openssl: /permitted subtree violation/ },
  { name: 'TSA certificate signed with SHA-1', pki: () => pki({ tsa: { hash: 'sha1' } }), code: 'CERT_WEAK_SIGNATURE_ALGORITHM', openssl: /signature digest algorithm too weak/ },
  { name: 'RSA-1024 intermediate', pki: () => pki({ intermediate: { key: 'rsa-1024' } }), code: 'WEAK_KEY', openssl: /key too weak/ },
  { name: 'token without certificates, nothing supplied', pki: () => pki(), code: 'SIGNER_CERT_MISSING', certless: true, openssl: /signer certificate not found/ },
  { name: 'token without certificates, the auditor supplies them', pki: () => pki(), code: 'OK', certless: true, supplied: true },
];

let temp: { path: string; cleanup(): void };
let basePacket: string;
let alice: TestKey;
let bob: TestKey;
let verifyMd: string;

beforeAll(async () => {
  temp = makeTempDir('packet-stock-ts-');
  const keyDate = new Date(SIGNED_AT.getTime() - 30 * DAY);
  [alice, bob] = await Promise.all([makeEd25519('Alice', { date: keyDate }), makeEd25519('Bob', { date: keyDate })]);
  const evidence = join(temp.path, 'evidence');
  mkdirSync(evidence);
  writeFileSync(join(evidence, 'apply.log'), 'step 1 ok\nstep 2 ok\n');
  basePacket = join(temp.path, 'base.packet.tar');
  await buildPacket({ inputs: [evidence], out: basePacket, created: SIGNED_AT, cwd: temp.path, name: 'base' });
  for (const key of [alice, bob]) {
    const keyFile = join(temp.path, `${key.fingerprint}.key.asc`);
    writeFileSync(keyFile, key.privateArmored);
    await signPacket(basePacket, { kind: 'key-file', keyFile }, SIGNED_AT);
  }
  const peek = join(temp.path, 'peek');
  mkdirSync(peek);
  expect(spawnSync('tar', ['-xf', basePacket, '-C', peek]).status).toBe(0);
  verifyMd = readFileSync(join(peek, 'VERIFY.md'), 'utf8');
}, 60_000);

afterAll(() => temp?.cleanup());

/** VERIFY.md's section 4 loop, exactly as written (the 4-space-indented `for tsr` line). */
function stockLoop(): string {
  const line = verifyMd.split('\n').find((l) => l.startsWith('    for tsr in timestamps/*.tsr'));
  expect(line).toBeDefined();
  return (line as string).slice(4);
}

function policyYaml(supplied: boolean): string {
  return [
    'apiVersion: evidence-packet/v1',
    'kind: TrustPolicy',
    'signers:',
    `  - { id: alice, name: Alice, roles: [operator], fingerprints: ["${alice.fingerprint}"] }`,
    `  - { id: bob, name: Bob, roles: [approver], fingerprints: ["${bob.fingerprint}"] }`,
    'require: { signatures: 2, roles: [operator, approver], timestamps: true }',
    'tsa:',
    '  - name: Stock Test TSA',
    '    roots: [tsa-root.pem]',
    ...(supplied ? ['    certificates: [tsa-certs.pem]'] : []),
    '',
  ].join('\n');
}

let scratch = 0;

/** A copy of the signed packet with a token per signature, the auditor's files beside it. */
async function prepare(c: Case): Promise<{ dir: string; packet: string; p: Pki }> {
  scratch += 1;
  const dir = join(temp.path, `case-${scratch}`);
  mkdirSync(dir);
  const packet = join(dir, 'base.packet.tar');
  copyFileSync(basePacket, packet);
  const p = c.pki();
  const reading = await readPacket(packet);
  const files = [...reading.unsealed.signatures].map(([fingerprint, signature]) => ({
    dir: 'timestamps' as const,
    fingerprint,
    bytes: Buffer.from(tokenFor(signature, p.tsa, GEN_TIME, c.certless === true ? { certReq: false } : { chain: [p.intermediate] })),
  }));
  await addUnsealedFiles(packet, reading.digest as string, files);
  writeFileSync(join(dir, 'tsa-root.pem'), p.root.pem);
  if (c.supplied === true) writeFileSync(join(dir, 'tsa-certs.pem'), p.tsa.pem + p.intermediate.pem);
  writeFileSync(join(dir, 'policy.yaml'), policyYaml(c.supplied === true));
  return { dir, packet, p };
}

function runStock(dir: string, now: Date): { output: string; bad: boolean } {
  const unpacked = join(dir, 'packet');
  mkdirSync(unpacked);
  expect(spawnSync('tar', ['-xf', join(dir, 'base.packet.tar'), '-C', unpacked]).status).toBe(0);
  const result = spawnSync('bash', ['-c', stockLoop()], {
    cwd: unpacked,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LC_ALL: 'C', EVALUATION_TIME: now.toISOString() },
    encoding: 'utf8',
  });
  const output = `${result.stdout}${result.stderr}`;
  return { output, bad: /^BAD: /m.test(output) || result.status !== 0 };
}

describe("VERIFY.md's openssl step agrees with packet verify", () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const { dir, packet } = await prepare(c);
    const now = c.now ?? VERIFY_AT;
    const verified = await runCli(['verify', packet, '--policy', join(dir, 'policy.yaml'), '--now', now.toISOString(), '--format', 'json']);
    const report = JSON.parse(verified.stdout) as { checks: { id: string; status: string; code?: string }[] };
    const stampCodes = report.checks.filter((check) => check.id === 'timestamp' && check.status === 'fail').map((check) => check.code);
    if (c.code === 'OK') {
      expect(verified.code, verified.stdout).toBe(0);
      expect(stampCodes).toEqual([]);
    } else {
      expect(verified.code).toBe(1);
      expect(stampCodes).toEqual([c.code, c.code]);
    }
    const stock = runStock(dir, now);
    expect(stock.bad, stock.output).toBe(c.code !== 'OK');
    if (c.code === 'OK') expect(stock.output.match(/^Verification: OK$/gm)).toHaveLength(2);
    if (c.openssl !== undefined) expect(stock.output.match(new RegExp(c.openssl.source, 'g')), stock.output).toHaveLength(2);
    // A token from after the evaluation time is BAD before openssl runs (at genTime it would pass).
    if (c.code === 'GENTIME_AFTER_EVALUATION_TIME') expect(stock.output).not.toMatch(/Verification/);
  });

  it('a token from after the evaluation time does not count in status either', async () => {
    const c = cases.find((k) => k.code === 'GENTIME_AFTER_EVALUATION_TIME') as Case;
    const { dir, packet } = await prepare(c);
    const status = await runCli(['status', packet, '--policy', join(dir, 'policy.yaml'), '--now', (c.now as Date).toISOString(), '--format', 'json']);
    expect(status.code).not.toBe(0);
    const report = JSON.parse(status.stdout) as { checks: { id: string; status: string; code?: string }[] };
    expect(report.checks.filter((check) => check.id === 'timestamp' && check.status === 'fail').map((check) => check.code)).toEqual([
      'GENTIME_AFTER_EVALUATION_TIME',
      'GENTIME_AFTER_EVALUATION_TIME',
    ]);
  });

  it('the token of a signature named for an unpinned fingerprint is not checked (cheap rejection); both routes still say BAD', async () => {
    const { dir, packet } = await prepare(cases[0] as Case);
    const stranger = 'AB'.repeat(20);
    const reading = await readPacket(packet);
    await addUnsealedFiles(packet, reading.digest as string, [
      { dir: 'signatures', fingerprint: stranger, bytes: Buffer.from('-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n') },
      { dir: 'timestamps', fingerprint: stranger, bytes: Buffer.alloc(3000, 0x30) },
    ]);
    const verified = await runCli(['verify', packet, '--policy', join(dir, 'policy.yaml'), '--now', VERIFY_AT.toISOString(), '--format', 'json']);
    expect(verified.code).toBe(1);
    const report = JSON.parse(verified.stdout) as { checks: { id: string; status: string; code?: string; subject?: string }[] };
    expect(report.checks.find((check) => check.id === 'timestamp' && check.subject === `timestamps/${stranger}.tsr`)).toMatchObject({ status: 'skip', code: 'NOT_CHECKED' });
    expect(runStock(dir, VERIFY_AT).output).toMatch(new RegExp(`^BAD: timestamps/${stranger}\\.tsr$`, 'm'));
  });

  it('VERIFY.md states what openssl cannot judge', () => {
    const prose = verifyMd.replace(/\s+/g, ' ');
    expect(prose).toContain('What openssl cannot judge here');
    expect(prose).toContain('SHA-1 or MD5 in the TSA\'s own CMS signature');
    expect(prose).toContain('refuses any TSA chain that carries them');
    expect(verifyMd).toContain('-attime "$at"');
    expect(verifyMd).toContain('-untrusted ../tsa-certs.pem');
  });
});

describe('packet timestamp --import', () => {
  it('adds a verified token obtained elsewhere (bare or response; cert-less with supplied certificates) and refuses a bad one', async () => {
    const c: Case = { name: 'import', pki: () => pki(), code: 'OK' };
    scratch += 1;
    const dir = join(temp.path, `import-${scratch}`);
    mkdirSync(dir);
    const packet = join(dir, 'base.packet.tar');
    copyFileSync(basePacket, packet);
    const p = c.pki();
    writeFileSync(join(dir, 'tsa-root.pem'), p.root.pem);
    writeFileSync(join(dir, 'tsa-certs.pem'), p.tsa.pem + p.intermediate.pem);
    writeFileSync(join(dir, 'policy.yaml'), policyYaml(true));
    const reading = await readPacket(packet);
    const signatureOf = (fpr: string): Uint8Array => reading.unsealed.signatures.get(fpr) as Uint8Array;
    const options = { cwd: dir, now: VERIFY_AT };

    // A token for Bob's signature offered for Alice's: refused, nothing written.
    writeFileSync(join(dir, 'wrong.tsr'), tokenFor(signatureOf(bob.fingerprint), p.tsa, GEN_TIME, { chain: [p.intermediate] }));
    const wrong = await runCli(['timestamp', packet, '--import', alice.fingerprint, 'wrong.tsr', '--policy', 'policy.yaml'], options);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('IMPRINT_MISMATCH');
    const trusted = [{ name: 'Stock Test TSA', roots: [p.root.cert] }];
    await expect(importTimestamp(packet, { fingerprint: alice.fingerprint, tokenFile: join(dir, 'wrong.tsr'), trusted, now: VERIFY_AT })).rejects.toMatchObject({ code: 'TSA_TOKEN_INVALID' });
    await expect(importTimestamp(packet, { fingerprint: '0'.repeat(40), tokenFile: join(dir, 'wrong.tsr'), trusted, now: VERIFY_AT })).rejects.toMatchObject({ code: 'SIGNATURE_MISSING' });
    writeFileSync(join(dir, 'huge.tsr'), Buffer.alloc(2 * 1024 * 1024));
    await expect(importTimestamp(packet, { fingerprint: alice.fingerprint, tokenFile: join(dir, 'huge.tsr'), trusted, now: VERIFY_AT })).rejects.toMatchObject({ code: 'TOKEN_TOO_LARGE' });
    expect((await readPacket(packet)).unsealed.timestamps.size).toBe(0);

    // A cert-less token: refused with only the root, accepted with the supplied certificates.
    writeFileSync(join(dir, 'alice.tsr'), tokenFor(signatureOf(alice.fingerprint), p.tsa, GEN_TIME, { certReq: false }));
    const rootOnly = await runCli(['timestamp', packet, '--import', alice.fingerprint, 'alice.tsr', '--tsa-ca', 'tsa-root.pem'], options);
    expect(rootOnly.code).toBe(1);
    expect(rootOnly.stderr).toContain('SIGNER_CERT_MISSING');
    expect(rootOnly.stderr).toContain('--tsa-certs');
    const withCerts = await runCli(['timestamp', packet, '--import', alice.fingerprint, 'alice.tsr', '--tsa-ca', 'tsa-root.pem', '--tsa-certs', 'tsa-certs.pem'], options);
    expect(withCerts.code, withCerts.stderr).toBe(0);
    expect(withCerts.stdout).toContain(`added   timestamps/${alice.fingerprint}.tsr`);

    // A bare token (as some clients save it) is stored wrapped in a granted response.
    const bare = parseTimeStamp(tokenFor(signatureOf(bob.fingerprint), p.tsa, GEN_TIME, { certReq: false })).token;
    writeFileSync(join(dir, 'bob.p7s'), bare);
    const viaPolicy = await runCli(['timestamp', packet, '--import', bob.fingerprint.toLowerCase(), 'bob.p7s', '--policy', 'policy.yaml'], options);
    expect(viaPolicy.code, viaPolicy.stderr).toBe(0);
    const stored = (await readPacket(packet)).unsealed.timestamps.get(bob.fingerprint) as Uint8Array;
    expect(parseTimeStamp(stored).status).toBe(0);

    const verified = await runCli(['verify', packet, '--policy', join(dir, 'policy.yaml'), '--now', VERIFY_AT.toISOString()]);
    expect(verified.code, verified.stdout).toBe(0);

    const usage = await runCli(['timestamp', packet, '--import', alice.fingerprint, 'alice.tsr'], options);
    expect(usage.code).toBe(2);
    const future = await runCli(['timestamp', packet, '--import', alice.fingerprint, 'alice.tsr', '--policy', 'policy.yaml', '--now', new Date(GEN_TIME.getTime() - DAY).toISOString()], options);
    expect(future.code).toBe(1);
    expect(future.stderr).toContain('GENTIME_AFTER_EVALUATION_TIME');
  }, 60_000);
});
