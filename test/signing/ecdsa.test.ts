/**
 * ECDSA over NIST P-256 and P-384 (issue 12), as many OpenPGP smartcards hold: signing with a key
 * file (OpenPGP.js) and through gpg, each with the digest its curve needs (SHA-256, SHA-384),
 * interoperating with GnuPG 2.2 both ways. Other curves (P-521, brainpool, secp256k1) are
 * refused with UNSUPPORTED_CURVE on every path: verification, key-file signing, gpg signing,
 * and policy load. Keys are generated per run.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readPublicKey, signWithGpg, signWithKeyFile, SigningCode, verifyDetachedSignature } from '../../src/signing/index.js';
import { validateTrustPolicyFile } from '../../src/trust/index.js';
import { makeGpgHome, type GpgHome } from './gpg.js';
import { at, MANIFEST, T0, toTestKey, type TestKey } from './keys.js';
import { fingerprintOf, gpgAt } from './lifecycle.js';

const NOW = new Date('2030-01-01T00:00:00Z');
const CURVES = [
  { curve: 'nistP256', gpgName: 'nistp256', hash: 'SHA256' },
  { curve: 'nistP384', gpgName: 'nistp384', hash: 'SHA384' },
] as const;

let gpg: GpgHome;
let manifestPath: string;
beforeAll(() => {
  gpg = makeGpgHome();
  manifestPath = join(gpg.home, 'manifest.sha256');
  writeFileSync(manifestPath, MANIFEST);
});
afterAll(() => gpg.cleanup());

async function makeEcdsa(curve: openpgp.EllipticCurveName, name: string): Promise<TestKey> {
  const generated = await openpgp.generateKey({ type: 'ecc', curve, userIDs: [{ name, email: `${name.toLowerCase()}@example.org` }], date: T0, format: 'object', config: { v6Keys: false } });
  return toTestKey(generated.privateKey);
}

function gpgKey(userId: string, algorithm: string): string {
  gpgAt(gpg, Math.floor(T0.getTime() / 1000), ['--quick-gen-key', userId, algorithm, 'sign', 'never']);
  return fingerprintOf(gpg, userId);
}

const exported = (fpr: string): string => gpg.run(['--armor', '--export', fpr]).stdout.toString('utf8');

describe.each(CURVES)('ECDSA $curve', ({ curve, gpgName, hash }) => {
  test('key file (OpenPGP.js): signs with the curve\'s digest; gpg --verify says good', async () => {
    const key = await makeEcdsa(curve, `File${curve}`);
    const outcome = await signWithKeyFile(MANIFEST, key.privateArmored, undefined, { date: at(1) });
    const result = await verifyDetachedSignature(MANIFEST, outcome.signatureArmored, [{ source: 'k', armored: outcome.publicKeyArmored }], { now: NOW });
    expect(result.code).toBe(SigningCode.OK);
    expect(result.hashAlgorithm).toBe(hash);
    expect(result.curve).toBe(curve);
    expect(gpg.run(['--import'], outcome.publicKeyArmored).status).toBe(0);
    const sigPath = join(gpg.home, `file-${curve}.asc`);
    writeFileSync(sigPath, outcome.signatureArmored);
    const verified = gpg.run(['--status-fd', '1', '--verify', sigPath, manifestPath]);
    expect(verified.status, verified.stderr).toBe(0);
    expect(verified.stdout.toString()).toMatch(new RegExp(`^\\[GNUPG:\\] GOODSIG `, 'm'));
  });

  test('gpg makes the key and signs through signWithGpg (digest chosen for the curve); we verify', async () => {
    const fpr = gpgKey(`Gpg ${curve} <gpg-${gpgName}@example.org>`, gpgName);
    const outcome = await signWithGpg(MANIFEST, { localUser: fpr, env: gpg.env, now: NOW });
    expect(outcome.fingerprint).toBe(fpr);
    const result = await verifyDetachedSignature(MANIFEST, outcome.signatureArmored, [{ source: 'gpg', armored: exported(fpr) }], { now: NOW });
    expect(result.code).toBe(SigningCode.OK);
    expect(result.hashAlgorithm).toBe(hash);
  });

  test('plain gpg --detach-sign (its own digest choice) verifies too', async () => {
    const fpr = fingerprintOf(gpg, `gpg-${gpgName}@example.org`);
    const signed = gpg.run(['--armor', '--detach-sign', '--local-user', fpr, '--output', '-', manifestPath]);
    expect(signed.status).toBe(0);
    const result = await verifyDetachedSignature(MANIFEST, signed.stdout, [{ source: 'gpg', armored: exported(fpr) }], { now: NOW });
    expect(result.code).toBe(SigningCode.OK);
  });
});

test('P-384 with a SHA-256 signature is refused: WEAK_HASH_ALGORITHM (the curve needs SHA-384)', async () => {
  const key = await makeEcdsa('nistP384', 'Short');
  // OpenPGP.js raises the hash to the curve's on its own; force SHA-256 through a raw packet.
  const packet = new openpgp.SignaturePacket();
  packet.signatureType = openpgp.enums.signature.binary;
  packet.publicKeyAlgorithm = key.privateKey.keyPacket.algorithm;
  packet.hashAlgorithm = openpgp.enums.hash.sha256;
  packet.issuerKeyID = key.privateKey.keyPacket.getKeyID();
  packet.issuerFingerprint = key.privateKey.keyPacket.getFingerprintBytes() as Uint8Array;
  packet.issuerKeyVersion = 4;
  const literal = new openpgp.LiteralDataPacket();
  (literal as unknown as { setBytes(b: Uint8Array, f: openpgp.enums.literal): void }).setBytes(MANIFEST, openpgp.enums.literal.binary);
  await (packet as unknown as { sign(k: unknown, d: unknown, t: Date, detached: boolean, c: unknown): Promise<void> }).sign(key.privateKey.keyPacket, literal, at(1), true, openpgp.config);
  const list = new openpgp.PacketList<openpgp.SignaturePacket>();
  list.push(packet);
  const result = await verifyDetachedSignature(MANIFEST, new openpgp.Signature(list).armor(), [{ source: 'k', armored: key.publicArmored }], { now: NOW });
  expect(result.code).toBe(SigningCode.WEAK_HASH_ALGORITHM);
});

describe('other curves: UNSUPPORTED_CURVE on every path', () => {
  let p521: TestKey;
  let gpgBrainpool: string;
  beforeAll(async () => {
    p521 = await makeEcdsa('nistP521', 'Big');
    gpgBrainpool = gpgKey('Brainpool <brainpool@example.org>', 'brainpoolP256r1');
  }, 60_000);

  test('reading the key (packet keys/, --key, policy key files)', async () => {
    await expect(readPublicKey({ source: 'p521.asc', armored: p521.publicArmored })).rejects.toMatchObject({ code: SigningCode.UNSUPPORTED_CURVE });
    await expect(readPublicKey({ source: 'brainpool.asc', armored: exported(gpgBrainpool) })).rejects.toMatchObject({ code: SigningCode.UNSUPPORTED_CURVE });
  });

  test('verifying a signature made with it', async () => {
    const signature = await openpgp.sign({ message: await openpgp.createMessage({ binary: MANIFEST }), signingKeys: p521.privateKey, detached: true, date: at(1) });
    const result = await verifyDetachedSignature(MANIFEST, signature, [{ source: 'k', armored: p521.publicArmored }], { now: NOW });
    expect(result.code).toBe(SigningCode.UNSUPPORTED_CURVE);
    expect(result.message).toMatch(/curve nistP521; only Ed25519, NIST P-256 and NIST P-384 are accepted/);
    const brainpool = gpg.run(['--armor', '--detach-sign', '--local-user', gpgBrainpool, '--output', '-', manifestPath]);
    expect(brainpool.status).toBe(0);
    const fromGpg = await verifyDetachedSignature(MANIFEST, brainpool.stdout, [{ source: 'gpg', armored: exported(gpgBrainpool) }], { now: NOW });
    expect(fromGpg.code).toBe(SigningCode.UNSUPPORTED_CURVE);
  });

  test('signing with a key file: refused with the code, not an internal module error', async () => {
    await expect(signWithKeyFile(MANIFEST, p521.privateArmored, undefined, { date: at(1) })).rejects.toMatchObject({ code: SigningCode.UNSUPPORTED_CURVE });
    const brainpoolSecret = gpg.run(['--armor', '--export-secret-keys', gpgBrainpool]).stdout.toString('utf8');
    const refused = (await signWithKeyFile(MANIFEST, brainpoolSecret, undefined, { date: NOW }).then(
      () => ({ code: 'SIGNED', message: '' }),
      (error: unknown) => error as { code: string; message: string },
    ));
    expect(refused).toMatchObject({ code: SigningCode.UNSUPPORTED_CURVE });
    expect(refused.message).not.toMatch(/module/i);
  });

  test('signing through gpg: refused before gpg signs', async () => {
    await expect(signWithGpg(MANIFEST, { localUser: gpgBrainpool, env: gpg.env, now: NOW })).rejects.toMatchObject({ code: SigningCode.UNSUPPORTED_CURVE });
  });

  test('loading a policy whose key file uses it', async () => {
    const dir = gpg.home;
    writeFileSync(join(dir, 'p521.asc'), p521.publicArmored);
    writeFileSync(
      join(dir, 'policy.yaml'),
      ['apiVersion: evidence-packet/v1', 'kind: TrustPolicy', 'signers:', '  - id: big', '    name: Big', '    roles: [operator]', `    fingerprints: ["${p521.fingerprint}"]`, '    key: p521.asc', 'require:', '  signatures: 1', '  timestamps: false', ''].join('\n'),
    );
    const validation = await validateTrustPolicyFile(join(dir, 'policy.yaml'));
    expect(validation.policy).toBeUndefined();
    expect(validation.checks[0]?.message).toMatch(/UNSUPPORTED_CURVE/);
  });
});
