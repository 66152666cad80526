import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { normalizeSignature, signWithGpg, signWithKeyFile, SigningCode, verifyDetachedSignature } from '../../src/signing/index.js';
import { makeGpgHome, type GpgHome } from './gpg.js';
import { at, makeEd25519, makeRsa, MANIFEST, type TestKey } from './keys.js';

const NOW = new Date('2030-01-01T00:00:00Z');
let gpg: GpgHome;
let edFingerprint: string;
let rsaFingerprint: string;
let manifestPath: string;
let rsaOpenpgp: TestKey;

beforeAll(async () => {
  gpg = makeGpgHome();
  edFingerprint = gpg.generate('Gpg Ed <ed@example.org>', 'ed25519');
  rsaFingerprint = gpg.generate('Gpg Rsa <rsa@example.org>', 'rsa3072');
  manifestPath = join(gpg.home, 'manifest.sha256');
  writeFileSync(manifestPath, MANIFEST);
  rsaOpenpgp = await makeRsa(3072, 'Rsa3072');
}, 120_000);
afterAll(() => gpg.cleanup());

function exported(fingerprint: string): string {
  return gpg.run(['--armor', '--export', fingerprint]).stdout.toString('utf8');
}

describe('gpg signs, we verify', () => {
  for (const [label, fingerprint] of [['ed25519', () => edFingerprint], ['rsa3072', () => rsaFingerprint]] as const) {
    test(`gpg --detach-sign --armor with ${label} verifies`, async () => {
      const signed = gpg.run(['--armor', '--detach-sign', '--local-user', fingerprint(), '--output', '-', manifestPath]);
      expect(signed.status).toBe(0);
      const result = await verifyDetachedSignature(MANIFEST, signed.stdout, [{ source: 'gpg export', armored: exported(fingerprint()) }], { now: NOW });
      expect(result.code).toBe(SigningCode.OK);
      expect(result.primaryFingerprint).toBe(fingerprint());
    });
  }

  test('a binary gpg signature is normalized to armor and verifies', async () => {
    const signed = gpg.run(['--detach-sign', '--local-user', edFingerprint, '--output', '-', manifestPath]);
    expect(signed.status).toBe(0);
    expect(signed.stdout[0]! & 0x80).toBe(0x80);
    const normalized = await normalizeSignature(signed.stdout);
    expect(normalized.armored.startsWith('-----BEGIN PGP SIGNATURE-----\n')).toBe(true);
    expect(normalized.issuerFingerprints).toEqual([edFingerprint]);
    const result = await verifyDetachedSignature(MANIFEST, normalized.armored, [{ source: 'gpg', armored: exported(edFingerprint) }], { now: NOW });
    expect(result.code).toBe(SigningCode.OK);
    // gpg accepts our canonical armor as well.
    const sigPath = join(gpg.home, 'normalized.asc');
    writeFileSync(sigPath, normalized.armored);
    expect(gpg.run(['--verify', sigPath, manifestPath]).status).toBe(0);
  });

  test('gpg --digest-algo SHA1 is refused: WEAK_HASH_ALGORITHM', async () => {
    const signed = gpg.run(['--armor', '--detach-sign', '--digest-algo', 'SHA1', '--local-user', rsaFingerprint, '--output', '-', manifestPath]);
    expect(signed.status).toBe(0);
    const result = await verifyDetachedSignature(MANIFEST, signed.stdout, [{ source: 'gpg', armored: exported(rsaFingerprint) }], { now: NOW });
    expect(result.code).toBe(SigningCode.WEAK_HASH_ALGORITHM);
  });

  test('gpg --textmode signatures are refused: SIGNATURE_TYPE_NOT_BINARY', async () => {
    const signed = gpg.run(['--armor', '--textmode', '--detach-sign', '--local-user', edFingerprint, '--output', '-', manifestPath]);
    const result = await verifyDetachedSignature(MANIFEST, signed.stdout, [{ source: 'gpg', armored: exported(edFingerprint) }], { now: NOW });
    expect(result.code).toBe(SigningCode.SIGNATURE_TYPE_NOT_BINARY);
  });
});

describe('we sign, gpg verifies', () => {
  const gpgVerifies = (outcome: { signatureArmored: string; publicKeyArmored: string }, name: string): number | null => {
    expect(gpg.run(['--import'], outcome.publicKeyArmored).status).toBe(0);
    const sigPath = join(gpg.home, `${name}.asc`);
    writeFileSync(sigPath, outcome.signatureArmored);
    return gpg.run(['--verify', sigPath, manifestPath]).status;
  };

  test('signWithKeyFile with an OpenPGP.js ed25519 (legacy) key passes gpg --verify', async () => {
    const key = await makeEd25519('KeyFileEd');
    const outcome = await signWithKeyFile(MANIFEST, key.privateArmored, undefined, { date: at(1) });
    expect(outcome.fingerprint).toBe(key.fingerprint);
    expect(outcome.publicKeyArmored).not.toContain('PRIVATE KEY');
    expect(gpgVerifies(outcome, 'ed')).toBe(0);
  });

  test('signWithKeyFile with an OpenPGP.js RSA 3072 key passes gpg --verify', async () => {
    const outcome = await signWithKeyFile(MANIFEST, rsaOpenpgp.privateArmored, undefined, { date: at(1) });
    expect(outcome.fingerprint).toBe(rsaOpenpgp.fingerprint);
    expect(gpgVerifies(outcome, 'rsa')).toBe(0);
    const tampered = join(gpg.home, 'tampered');
    writeFileSync(tampered, 'other bytes\n');
    writeFileSync(join(gpg.home, 'rsa.asc'), outcome.signatureArmored);
    expect(gpg.run(['--verify', join(gpg.home, 'rsa.asc'), tampered]).status).not.toBe(0);
  });

  test('signWithGpg through a temp GNUPGHOME returns the primary fingerprint and public key', async () => {
    const outcome = await signWithGpg(MANIFEST, { localUser: edFingerprint, env: gpg.env, now: NOW });
    expect(outcome.fingerprint).toBe(edFingerprint);
    expect(outcome.publicKeyArmored).toContain('BEGIN PGP PUBLIC KEY BLOCK');
    const result = await verifyDetachedSignature(MANIFEST, outcome.signatureArmored, [{ source: 'k', armored: outcome.publicKeyArmored }], { now: NOW });
    expect(result.code).toBe(SigningCode.OK);
  });

  test('signWithGpg without gpg: GPG_NOT_FOUND, an environment error', async () => {
    await expect(signWithGpg(MANIFEST, { gpgBinary: '/nonexistent/gpg', now: NOW })).rejects.toMatchObject({ code: SigningCode.GPG_NOT_FOUND, kind: 'environment' });
  });

  test('signWithGpg with an unknown key: GPG_FAILED', async () => {
    await expect(signWithGpg(MANIFEST, { localUser: 'nobody@example.org', env: gpg.env, now: NOW })).rejects.toMatchObject({ code: SigningCode.GPG_FAILED });
  });
});

describe('key file passphrases', () => {
  test('required, wrong, right; the passphrase never appears in an error', async () => {
    const key = await makeEd25519('Locked');
    const locked = await openpgp.encryptKey({ privateKey: key.privateKey, passphrase: 'correct horse' });
    const armored = locked.armor();
    await expect(signWithKeyFile(MANIFEST, armored, undefined, { date: at(1) })).rejects.toMatchObject({ code: SigningCode.PASSPHRASE_REQUIRED });
    const wrong = await signWithKeyFile(MANIFEST, armored, 'wrong secret words', { date: at(1) }).catch((e: unknown) => e as Error);
    expect(wrong).toMatchObject({ code: SigningCode.PASSPHRASE_WRONG });
    expect(JSON.stringify({ message: (wrong as Error).message, cause: String((wrong as Error).cause) })).not.toContain('wrong secret words');
    const outcome = await signWithKeyFile(MANIFEST, armored, 'correct horse', { date: at(1) });
    expect(outcome.fingerprint).toBe(key.fingerprint);
  });

  test('a public key is not a signing key: KEY_NOT_PRIVATE', async () => {
    const key = await makeEd25519('Public');
    await expect(signWithKeyFile(MANIFEST, key.publicArmored, undefined, { date: at(1) })).rejects.toMatchObject({ code: SigningCode.KEY_NOT_PRIVATE });
  });
});
