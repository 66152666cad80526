/**
 * Every negative case of issues 4 and 5, each its own test with its own reason code, through
 * `packet verify --policy --format json`. Each test starts from a fresh copy of one unpacked
 * packet and places signature, key and time-stamp files the way an attacker or a mistake would.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadTrustPolicy } from '../../src/trust/index.js';
import { runCli } from '../helpers/cli.js';
import { signAt, toTestKey, type TestKey } from '../signing/keys.js';
import { startLocalTsa } from '../../src/timestamp/index.js';
import { build, checksFor, copyPacket, failedCodes, HOUR, makeCeremony, makeKey, PASSPHRASE, sha256File, verify, type Ceremony, type PolicySignerSpec } from './fixture.js';

let c: Ceremony;
let base: string;
let manifest: Buffer;
let alice: TestKey;
let carol: TestKey;
let dave: TestKey;
let policy: string;
let stampedPolicy: string;
let counter = 0;

const aliceSpec = (): PolicySignerSpec => ({ id: 'alice', roles: ['operator'], fingerprints: [alice.fingerprint] });
const carolSpec = (): PolicySignerSpec => ({ id: 'carol', roles: ['approver'], fingerprints: [carol.fingerprint] });

beforeAll(async () => {
  c = await makeCeremony();
  base = await build(c, join(c.dir, 'base.packet/'));
  manifest = readFileSync(join(base, 'manifest.sha256'));
  alice = c.alice;
  carol = await makeKey('Carol');
  dave = await makeKey('Dave');
  policy = c.writePolicy('ac.json', { signers: [aliceSpec(), carolSpec()], roles: ['operator', 'approver'] });
  stampedPolicy = c.writePolicy('ac-stamped.json', { signers: [aliceSpec(), carolSpec()], roles: ['operator', 'approver'], timestamps: true });
});
afterAll(async () => {
  await c.cleanup();
});

function fresh(): string {
  counter += 1;
  return copyPacket(base, join(c.dir, `case-${counter}.packet`));
}

interface Placement {
  data?: Uint8Array;
  date?: Date;
  /** File name fingerprint (default: the key's primary fingerprint). */
  as?: string;
  /** Public key to store under keys/ (default: the key's own; null for none). */
  publicArmored?: string | null;
  signingKeyIDs?: openpgp.KeyID[];
}

/** Sign the manifest (or other bytes) and put the signature, and the public key, into the packet. */
async function place(packet: string, key: TestKey, options: Placement = {}): Promise<string> {
  const signature = await signAt(key.privateKey, options.data ?? manifest, options.date ?? new Date(Date.now() - 60_000), {
    ...(options.signingKeyIDs === undefined ? {} : { signingKeyIDs: options.signingKeyIDs }),
  });
  const name = options.as ?? key.fingerprint;
  mkdirSync(join(packet, 'signatures'), { recursive: true });
  mkdirSync(join(packet, 'keys'), { recursive: true });
  writeFileSync(join(packet, 'signatures', `${name}.asc`), signature);
  if (options.publicArmored !== null) writeFileSync(join(packet, 'keys', `${key.fingerprint}.asc`), options.publicArmored ?? key.publicArmored);
  return `signatures/${name}.asc`;
}


/** The code of the failing signature check for `file`. */
function signatureCode(report: Parameters<typeof checksFor>[0], file: string): string | undefined {
  return checksFor(report, 'signature', file)[0]?.code;
}

describe('signatures through verify --policy', () => {
  test('baseline: two good signatures by alice and carol pass (exit 0)', async () => {
    const packet = fresh();
    await place(packet, alice);
    await place(packet, carol);
    const { code, report } = await verify(packet, policy);
    expect(failedCodes(report)).toEqual([]);
    expect(code).toBe(0);
  });

  test('signature over other bytes: SIGNATURE_MISMATCH (exit 1)', async () => {
    const packet = fresh();
    const file = await place(packet, alice, { data: Buffer.concat([manifest, Buffer.from('extra  payload/x\n')]) });
    await place(packet, carol);
    const { code, report } = await verify(packet, policy);
    expect(code).toBe(1);
    expect(signatureCode(report, file)).toBe('SIGNATURE_MISMATCH');
    expect(failedCodes(report)).toEqual(['SIGNATURE_MISMATCH']);
  });

  test('unknown key (pinned by fingerprint, but no key in the packet or the policy): UNKNOWN_KEY', async () => {
    const packet = fresh();
    const file = await place(packet, dave, { publicArmored: null });
    await place(packet, carol);
    const withDave = c.writePolicy('dave-pinned.json', { signers: [{ id: 'dave', roles: ['operator'], fingerprints: [dave.fingerprint] }, carolSpec()] });
    const { code, report } = await verify(packet, withDave);
    expect(code).toBe(1);
    expect(signatureCode(report, file)).toBe('UNKNOWN_KEY');
  });

  test('key not in the policy, even though keys/ carries it: KEY_NOT_IN_POLICY', async () => {
    const packet = fresh();
    const file = await place(packet, dave);
    await place(packet, carol);
    const { code, report } = await verify(packet, policy);
    expect(code).toBe(1);
    expect(signatureCode(report, file)).toBe('KEY_NOT_IN_POLICY');
    expect((report.facts?.dualControl as { distinctPeople: number }).distinctPeople).toBe(1);
  });

  test('expired key (signature made after the key expired): KEY_EXPIRED', async () => {
    const packet = fresh();
    const erin = await makeKey('Erin');
    // The signature is made now; the key's self-signature says it expired a minute after creation (an hour ago).
    const { privateKey } = await openpgp.reformatKey({ privateKey: erin.privateKey, userIDs: [{ name: 'Erin' }], keyExpirationTime: 60, date: erin.privateKey.getCreationTime(), format: 'object' });
    const file = await place(packet, erin, { publicArmored: toTestKey(privateKey).publicArmored });
    await place(packet, carol);
    const withErin = c.writePolicy('erin.json', { signers: [{ id: 'erin', roles: ['operator'], fingerprints: [erin.fingerprint] }, carolSpec()] });
    const { code, report } = await verify(packet, withErin);
    expect(code).toBe(1);
    expect(signatureCode(report, file)).toBe('KEY_EXPIRED');
  });

  test('revoked key (the auditor holds the revocation in the policy key file; the packet copy lacks it): KEY_REVOKED', async () => {
    const packet = fresh();
    const file = await place(packet, alice);
    await place(packet, carol);
    const { publicKey } = await openpgp.revokeKey({
      key: alice.privateKey,
      reasonForRevocation: { flag: openpgp.enums.reasonForRevocation.keyCompromised },
      format: 'object',
    });
    writeFileSync(join(c.dir, 'alice-revoked.asc'), publicKey.armor());
    const revokedPolicy = c.writePolicy('revoked.json', { signers: [{ ...aliceSpec(), key: 'alice-revoked.asc' }, carolSpec()] });
    const { code, report } = await verify(packet, revokedPolicy);
    expect(code).toBe(1);
    expect(signatureCode(report, file)).toBe('KEY_REVOKED');
  });

  test('same person twice (two keys of alice): counted once, SAME_PERSON_COUNTED_ONCE, dual control not met (exit 4)', async () => {
    const packet = fresh();
    const alice2 = await makeKey('Alice2');
    const first = await place(packet, alice);
    const second = await place(packet, alice2);
    const twoKeys = c.writePolicy('alice-two-keys.json', { signers: [{ id: 'alice', roles: ['operator'], fingerprints: [alice.fingerprint, alice2.fingerprint] }, carolSpec()] });
    const { code, report } = await verify(packet, twoKeys);
    expect(code).toBe(4);
    expect(report.verdict).toBe('incomplete');
    // Files are checked in fingerprint order; whichever comes second is the one counted once.
    const distinct = checksFor(report, 'signature.distinct');
    expect(distinct).toEqual([expect.objectContaining({ code: 'SAME_PERSON_COUNTED_ONCE' })]);
    expect([first, second]).toContain(distinct[0]?.subject);
    expect(checksFor(report, 'signature').map((check) => check.code)).toEqual(['OK', 'OK']);
    expect(checksFor(report, 'dual-control.people')[0]?.code).toBe('DUAL_CONTROL_TOO_FEW_PEOPLE');
    expect((report.facts?.dualControl as { distinctPeople: number }).distinctPeople).toBe(1);
  });

  test('same key twice: a second signature by the same key is not added (the first is kept: exit 0, packet unchanged)', async () => {
    const packet = join(c.dir, 'same-key.packet.tar');
    await build(c, packet);
    const first = await runCli(['sign', packet, '--key', c.aliceKeyFile, '--passphrase-file', c.passphraseFile, '--now', new Date(Date.now() - 120_000).toISOString()]);
    expect(first.code, first.stderr).toBe(0);
    const before = sha256File(packet);
    const second = await runCli(['sign', packet, '--key', c.aliceKeyFile, '--passphrase-file', c.passphraseFile, '--now', new Date(Date.now() - 60_000).toISOString()]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('nothing changed');
    expect(sha256File(packet)).toBe(before);
    // The library says so.
    const { signPacket } = await import('../../src/ceremony/index.js');
    await expect(signPacket(packet, { kind: 'key-file', keyFile: c.aliceKeyFile, passphrase: PASSPHRASE }, new Date())).resolves.toMatchObject({ alreadyPresent: true });
    expect(sha256File(packet)).toBe(before);
  });

  test("same key twice: a copy of alice's signature under carol's file name fails SIGNATURE_FILE_NAME_MISMATCH and does not count", async () => {
    const packet = fresh();
    await place(packet, alice);
    writeFileSync(join(packet, 'signatures', `${carol.fingerprint}.asc`), readFileSync(join(packet, 'signatures', `${alice.fingerprint}.asc`)));
    const { code, report } = await verify(packet, policy);
    expect(code).toBe(1);
    expect(signatureCode(report, `signatures/${carol.fingerprint}.asc`)).toBe('SIGNATURE_FILE_NAME_MISMATCH');
    expect((report.facts?.dualControl as { distinctPeople: number }).distinctPeople).toBe(1);
  });

  test('two subkeys of one primary: the second cannot be added (one file per primary), and under its subkey name it fails', async () => {
    const packet = fresh();
    const frank = await makeKey('Frank', { subkeys: [{ sign: true }, { sign: true }] });
    const [sub1, sub2] = frank.privateKey.subkeys as [openpgp.Subkey, openpgp.Subkey];
    await place(packet, frank, { signingKeyIDs: [sub1.getKeyID()] });
    const withFrank = c.writePolicy('frank.json', { signers: [{ id: 'frank', roles: ['operator'], fingerprints: [frank.fingerprint] }, carolSpec()] });

    // The second subkey's signature over the same manifest, offered through attach: the primary
    // has signed already, so the first signature is kept and nothing changes (exit 0).
    const secondSig = await signAt(frank.privateKey, manifest, new Date(Date.now() - 30_000), { signingKeyIDs: [sub2.getKeyID()] });
    writeFileSync(join(c.dir, 'frank-sub2.asc'), secondSig);
    const firstSig = readFileSync(join(packet, 'signatures', `${frank.fingerprint}.asc`));
    const attached = await runCli(['attach', packet, join(c.dir, 'frank-sub2.asc')]);
    expect(attached.code, attached.stderr).toBe(0);
    expect(attached.stdout).toContain('nothing changed');
    const { attachSignature } = await import('../../src/ceremony/index.js');
    await expect(attachSignature(packet, join(c.dir, 'frank-sub2.asc'), { now: new Date() })).resolves.toMatchObject({ alreadyPresent: true });
    expect(readFileSync(join(packet, 'signatures', `${frank.fingerprint}.asc`)).equals(firstSig)).toBe(true);

    // Placed by hand under the subkey's own fingerprint, it is caught by name, before any
    // cryptography: the policy pins no key by that name (cheap rejections come first).
    const sub2Fpr = sub2.getFingerprint().toUpperCase();
    writeFileSync(join(packet, 'signatures', `${sub2Fpr}.asc`), secondSig);
    const { code, report } = await verify(packet, withFrank);
    expect(code).toBe(1);
    expect(signatureCode(report, `signatures/${sub2Fpr}.asc`)).toBe('KEY_NOT_IN_POLICY');
    const dual = report.facts?.dualControl as { distinctPeople: number };
    expect(dual.distinctPeople).toBe(1);
  });

  test('roles not coverable by distinct people: both signers hold only operator, approver missing: DUAL_CONTROL_ROLES_NOT_COVERED (exit 4)', async () => {
    // From the code: verify reports an unmet rule as incomplete (exit 4), never as a broken packet.
    const packet = fresh();
    await place(packet, carol);
    await place(packet, dave);
    const rolesPolicy = c.writePolicy('roles.json', {
      signers: [
        { id: 'alice', roles: ['operator', 'approver'], fingerprints: [alice.fingerprint] },
        { id: 'carol', roles: ['operator'], fingerprints: [carol.fingerprint] },
        { id: 'dave', roles: ['operator'], fingerprints: [dave.fingerprint] },
      ],
      signatures: 2,
      roles: ['operator', 'approver'],
    });
    const { code, report } = await verify(packet, rolesPolicy);
    expect(code).toBe(4);
    expect(failedCodes(report)).toEqual([]);
    expect(checksFor(report, 'dual-control.people')[0]?.code).toBe('OK');
    expect(checksFor(report, 'dual-control.roles')[0]).toMatchObject({ status: 'warn', code: 'DUAL_CONTROL_ROLES_NOT_COVERED' });
    expect((report.facts?.dualControl as { missingRoles: string[] }).missingRoles).toEqual(['approver']);
  });

  test('roles no two distinct people could ever cover: the policy itself is refused, POLICY_UNSATISFIABLE (exit 1)', async () => {
    const packet = fresh();
    await place(packet, alice);
    await place(packet, carol);
    const impossible = c.writePolicy('impossible.json', {
      signers: [
        { id: 'alice', roles: ['operator', 'approver'], fingerprints: [alice.fingerprint] },
        { id: 'carol', roles: [], fingerprints: [carol.fingerprint] },
      ],
      signatures: 2,
      roles: ['operator', 'approver'],
    });
    const run = await runCli(['verify', packet, '--policy', impossible, '--format', 'json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ command: 'verify', error: { code: 'POLICY_UNSATISFIABLE' } });
    await expect(loadTrustPolicy(impossible)).rejects.toMatchObject({ code: 'POLICY_UNSATISFIABLE' });
  });

  test('truncated armor: SIGNATURE_ARMOR_TRUNCATED', async () => {
    const packet = fresh();
    const file = await place(packet, alice);
    const path = join(packet, file);
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.slice(0, Math.floor(text.length / 2)));
    await place(packet, carol);
    const { code, report } = await verify(packet, policy);
    expect(code).toBe(1);
    expect(signatureCode(report, file)).toBe('SIGNATURE_ARMOR_TRUNCATED');
  });

  test("signature file renamed to another fingerprint: SIGNATURE_FILE_NAME_MISMATCH", async () => {
    const packet = fresh();
    await place(packet, alice);
    renameSync(join(packet, 'signatures', `${alice.fingerprint}.asc`), join(packet, 'signatures', `${carol.fingerprint}.asc`));
    const { code, report } = await verify(packet, policy);
    expect(code).toBe(1);
    expect(signatureCode(report, `signatures/${carol.fingerprint}.asc`)).toBe('SIGNATURE_FILE_NAME_MISMATCH');
  });
});

describe('time-stamps through verify --policy (time-stamps required)', () => {
  let stamped: string;
  beforeAll(async () => {
    stamped = fresh();
    await place(stamped, alice);
    await place(stamped, carol);
    const run = await runCli(['timestamp', stamped, '--tsa', c.tsa.url, '--tsa-ca', c.rootFile]);
    expect(run.code, run.stderr).toBe(0);
  });
  const copy = (): string => {
    counter += 1;
    return copyPacket(stamped, join(c.dir, `stamped-${counter}.packet`));
  };
  const tsr = (packet: string, key: TestKey): string => join(packet, 'timestamps', `${key.fingerprint}.tsr`);

  test('baseline: the stamped packet passes (exit 0)', async () => {
    const { code, report } = await verify(stamped, stampedPolicy);
    expect(failedCodes(report)).toEqual([]);
    expect(code).toBe(0);
  });

  test('a time-stamp moved from one signature to the other: IMPRINT_MISMATCH', async () => {
    const packet = copy();
    const a = readFileSync(tsr(packet, alice));
    writeFileSync(tsr(packet, alice), readFileSync(tsr(packet, carol)));
    writeFileSync(tsr(packet, carol), a);
    const { code, report } = await verify(packet, stampedPolicy);
    expect(code).toBe(1);
    expect(checksFor(report, 'timestamp', `timestamps/${alice.fingerprint}.tsr`)[0]?.code).toBe('IMPRINT_MISMATCH');
    expect(checksFor(report, 'timestamp', `timestamps/${carol.fingerprint}.tsr`)[0]?.code).toBe('IMPRINT_MISMATCH');
  });

  test('a token from a TSA whose root the policy does not trust: CHAIN_UNTRUSTED', async () => {
    const packet = copy();
    rmSync(tsr(packet, alice));
    const rogue = await startLocalTsa();
    try {
      writeFileSync(join(c.dir, 'rogue-root.pem'), rogue.rootPem);
      const run = await runCli(['timestamp', packet, '--tsa', rogue.url, '--tsa-ca', join(c.dir, 'rogue-root.pem')]);
      expect(run.code, run.stderr).toBe(0);
    } finally {
      await rogue.close();
    }
    const { code, report } = await verify(packet, stampedPolicy);
    expect(code).toBe(1);
    expect(checksFor(report, 'timestamp', `timestamps/${alice.fingerprint}.tsr`)[0]?.code).toBe('CHAIN_UNTRUSTED');
    expect(checksFor(report, 'timestamp', `timestamps/${carol.fingerprint}.tsr`)[0]?.code).toBe('OK');
  });

  test('a missing time-stamp when the policy requires one: TIMESTAMP_MISSING, the signature does not count (incomplete, exit 4)', async () => {
    // Not there (yet) is unmet, like a missing signature; a present but bad token fails (exit 1) below.
    const packet = copy();
    rmSync(tsr(packet, carol));
    const { code, report } = await verify(packet, stampedPolicy);
    expect(code).toBe(4);
    expect(failedCodes(report)).toEqual([]);
    expect(checksFor(report, 'timestamp', `timestamps/${carol.fingerprint}.tsr`)[0]).toMatchObject({ status: 'warn', code: 'TIMESTAMP_MISSING' });
    expect(checksFor(report, 'signature', `signatures/${carol.fingerprint}.asc`)[0]).toMatchObject({ status: 'warn', code: 'TIMESTAMP_REQUIRED' });
    expect((report.facts?.dualControl as { distinctPeople: number }).distinctPeople).toBe(1);
    // Without the rule, the same packet passes.
    expect((await verify(packet, policy)).code).toBe(0);
  });

  test('one tampered byte in a token (its CMS signature): SIGNATURE_INVALID', async () => {
    const packet = copy();
    const bytes = readFileSync(tsr(packet, alice));
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0x01;
    writeFileSync(tsr(packet, alice), bytes);
    const { code, report } = await verify(packet, stampedPolicy);
    expect(code).toBe(1);
    expect(checksFor(report, 'timestamp', `timestamps/${alice.fingerprint}.tsr`)[0]?.code).toBe('SIGNATURE_INVALID');
    expect(checksFor(report, 'signature', `signatures/${alice.fingerprint}.asc`)[0]).toMatchObject({ status: 'fail', code: 'TIMESTAMP_REQUIRED' });
  });

  test('a back-dated signature from a key that had expired at the TSA time: KEY_EXPIRED, judged at genTime', async () => {
    const packet = fresh();
    // Gina's key was valid from two hours ago for three hours; her signature claims one hour ago,
    // but the TSA (clock three hours ahead) stamps it after the key expired.
    const gina = await makeKey('Gina', { date: new Date(Date.now() - 2 * HOUR), keyExpirationTime: 3 * 3600 });
    const file = await place(packet, gina, { date: new Date(Date.now() - HOUR) });
    await place(packet, carol);
    const late = await startLocalTsa({ now: () => new Date(Date.now() + 3 * HOUR) });
    try {
      writeFileSync(join(c.dir, 'late-root.pem'), late.rootPem);
      const run = await runCli(['timestamp', packet, '--tsa', late.url]);
      expect(run.code, run.stderr).toBe(0);
    } finally {
      await late.close();
    }
    const ginaPolicy = c.writePolicy('gina.json', {
      signers: [{ id: 'gina', roles: ['operator'], fingerprints: [gina.fingerprint] }, carolSpec()],
      timestamps: true,
      roots: ['late-root.pem'],
    });
    const { code, report } = await verify(packet, ginaPolicy, 'verify', { now: new Date(Date.now() + 4 * HOUR) });
    expect(code).toBe(1);
    expect(checksFor(report, 'timestamp', `timestamps/${gina.fingerprint}.tsr`)[0]?.code).toBe('OK');
    expect(signatureCode(report, file)).toBe('KEY_EXPIRED');
    // Judged at the claimed time (no time-stamp rule, tokens removed), the same signature would pass.
    rmSync(join(packet, 'timestamps'), { recursive: true });
    const noStamps = c.writePolicy('gina-no-stamps.json', { signers: [{ id: 'gina', roles: ['operator'], fingerprints: [gina.fingerprint] }, carolSpec()] });
    expect(signatureCode((await verify(packet, noStamps)).report, file)).toBe('OK');
  });
});

