import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  checkKeyFileName,
  checkSignatureFileName,
  normalizeSignature,
  SigningCode,
  verifyDetachedSignature,
  type KeyMaterial,
} from '../../src/signing/index.js';
import { at, makeEd25519, makeRsa, MANIFEST, signAt, signRaw, T0, toTestKey, type TestKey } from './keys.js';

const candidate = (key: TestKey, source = 'keys/test.asc'): KeyMaterial => ({ source, armored: key.publicArmored });
const LATER = at(24 * 30);

let alice: TestKey;
let bob: TestKey;
let rsa2048: TestKey;
beforeAll(async () => {
  rsa2048 = await makeRsa(2048, 'Rsa');
  alice = await makeEd25519('Alice');
  bob = await makeEd25519('Bob');
});

describe('good signatures', () => {
  test('an ed25519 signature over the exact bytes verifies and names the primary key', async () => {
    const signature = await signAt(alice.privateKey, MANIFEST, at(1));
    const result = await verifyDetachedSignature(MANIFEST, signature, [candidate(bob), candidate(alice)], { now: LATER });
    expect(result.code).toBe(SigningCode.OK);
    expect(result.ok).toBe(true);
    expect(result.primaryFingerprint).toBe(alice.fingerprint);
    expect(result.created?.toISOString()).toBe(at(1).toISOString());
    expect(result.publicKeyAlgorithm).toBe('eddsaLegacy');
  });

  test('a signature by a signing subkey reports the primary fingerprint and the subkey', async () => {
    const key = await makeEd25519('Sub', { subkeys: [{ sign: true }] });
    const subkey = key.privateKey.subkeys[0]!;
    const signature = await signAt(key.privateKey, MANIFEST, at(1), { signingKeyIDs: [subkey.getKeyID()] });
    const result = await verifyDetachedSignature(MANIFEST, signature, [candidate(key)], { now: LATER });
    expect(result.code).toBe(SigningCode.OK);
    expect(result.primaryFingerprint).toBe(key.fingerprint);
    expect(result.signingKeyFingerprint).toBe(subkey.getFingerprint().toUpperCase());
    expect(result.signingKeyFingerprint).not.toBe(result.primaryFingerprint);
  });
});

describe('negative cases, each with its own reason code', () => {
  test('signature over other bytes: SIGNATURE_MISMATCH', async () => {
    const signature = await signAt(alice.privateKey, MANIFEST, at(1));
    const other = new Uint8Array(MANIFEST);
    other[0] = other[0]! ^ 1;
    const result = await verifyDetachedSignature(other, signature, [candidate(alice)], { now: LATER });
    expect(result.ok).toBe(false);
    expect(result.code).toBe(SigningCode.SIGNATURE_MISMATCH);
  });

  test('unknown key: UNKNOWN_KEY', async () => {
    const signature = await signAt(alice.privateKey, MANIFEST, at(1));
    const result = await verifyDetachedSignature(MANIFEST, signature, [candidate(bob)], { now: LATER });
    expect(result.code).toBe(SigningCode.UNKNOWN_KEY);
  });

  test('a private key offered as candidate is refused, never used', async () => {
    const signature = await signAt(alice.privateKey, MANIFEST, at(1));
    const result = await verifyDetachedSignature(MANIFEST, signature, [{ source: 'secret.asc', armored: alice.privateArmored }], { now: LATER });
    expect(result.code).toBe(SigningCode.UNKNOWN_KEY);
    expect(result.candidateProblems.map((problem) => problem.code)).toEqual([SigningCode.KEY_IS_PRIVATE]);
  });

  test('expired key (signature made after expiry): KEY_EXPIRED', async () => {
    const key = await makeEd25519('Expired');
    const signature = await signAt(key.privateKey, MANIFEST, at(2));
    // Same key packet, new self-signature that expires one hour after creation.
    const { privateKey } = await openpgp.reformatKey({ privateKey: key.privateKey, userIDs: [{ name: 'Expired' }], keyExpirationTime: 3600, date: T0, format: 'object' });
    const result = await verifyDetachedSignature(MANIFEST, signature, [candidate(toTestKey(privateKey))], { now: LATER });
    expect(result.code).toBe(SigningCode.KEY_EXPIRED);
  });

  test('a key that expired later is fine for a signature made while it was valid', async () => {
    const key = await makeEd25519('Valid', { keyExpirationTime: 2 * 3600 });
    const signature = await signAt(key.privateKey, MANIFEST, at(1));
    const result = await verifyDetachedSignature(MANIFEST, signature, [candidate(key)], { now: LATER });
    expect(result.code).toBe(SigningCode.OK);
  });

  test('with a trusted time, validity is judged there: a back-dated signature from an expired key fails', async () => {
    const key = await makeEd25519('Backdate', { keyExpirationTime: 2 * 3600 });
    const signature = await signAt(key.privateKey, MANIFEST, at(1)); // claims hour 1
    const result = await verifyDetachedSignature(MANIFEST, signature, [candidate(key)], { now: LATER, trustedTime: at(5) });
    expect(result.code).toBe(SigningCode.KEY_EXPIRED);
    expect(result.judgedAt?.toISOString()).toBe(at(5).toISOString());
  });

  test('expired signing subkey: SUBKEY_EXPIRED', async () => {
    const key = await makeEd25519('SubExp', { subkeys: [{ sign: true, keyExpirationTime: 3600 }] });
    const subkey = key.privateKey.subkeys[0]!;
    const signature = await signAt(key.privateKey, MANIFEST, at(0.5), { signingKeyIDs: [subkey.getKeyID()] });
    const result = await verifyDetachedSignature(MANIFEST, signature, [candidate(key)], { now: LATER, trustedTime: at(2) });
    expect(result.code).toBe(SigningCode.SUBKEY_EXPIRED);
  });

  test('hard revocation (key compromised) invalidates even signatures made before it: KEY_REVOKED', async () => {
    const key = await makeEd25519('Hard');
    const signature = await signAt(key.privateKey, MANIFEST, at(1));
    const { publicKey } = await openpgp.revokeKey({
      key: key.privateKey,
      reasonForRevocation: { flag: openpgp.enums.reasonForRevocation.keyCompromised },
      date: at(10),
      format: 'object',
    });
    const result = await verifyDetachedSignature(MANIFEST, signature, [{ source: 'revoked.asc', armored: publicKey.armor() }], { now: LATER });
    expect(result.code).toBe(SigningCode.KEY_REVOKED);
    expect(result.revocation?.hard).toBe(true);
  });

  test('a revocation without a reason is hard', async () => {
    const key = await makeEd25519('NoReason');
    const signature = await signAt(key.privateKey, MANIFEST, at(1));
    const { publicKey } = await openpgp.revokeKey({ key: key.privateKey, date: at(10), format: 'object' });
    const result = await verifyDetachedSignature(MANIFEST, signature, [{ source: 'r.asc', armored: publicKey.armor() }], { now: LATER });
    expect(result.code).toBe(SigningCode.KEY_REVOKED);
  });

  test('soft revocation (retired) invalidates signatures made after it: KEY_REVOKED_BEFORE_SIGNING', async () => {
    const key = await makeEd25519('Soft');
    const before = await signAt(key.privateKey, MANIFEST, at(1));
    const after = await signAt(key.privateKey, MANIFEST, at(3));
    const { publicKey } = await openpgp.revokeKey({
      key: key.privateKey,
      reasonForRevocation: { flag: openpgp.enums.reasonForRevocation.keyRetired },
      date: at(2),
      format: 'object',
    });
    const revoked = [{ source: 'r.asc', armored: publicKey.armor() }];
    expect((await verifyDetachedSignature(MANIFEST, after, revoked, { now: LATER })).code).toBe(SigningCode.KEY_REVOKED_BEFORE_SIGNING);
    expect((await verifyDetachedSignature(MANIFEST, before, revoked, { now: LATER })).code).toBe(SigningCode.OK);
    // A back-dated signature is judged at its trusted time.
    expect((await verifyDetachedSignature(MANIFEST, before, revoked, { now: LATER, trustedTime: at(4) })).code).toBe(SigningCode.KEY_REVOKED_BEFORE_SIGNING);
  });

  test('a revocation in any copy of the key counts (packet copy without it cannot hide it)', async () => {
    const key = await makeEd25519('Copies');
    const signature = await signAt(key.privateKey, MANIFEST, at(1));
    const { publicKey } = await openpgp.revokeKey({ key: key.privateKey, date: at(10), format: 'object' });
    const result = await verifyDetachedSignature(MANIFEST, signature, [candidate(key, 'packet keys/'), { source: 'policy', armored: publicKey.armor() }], { now: LATER });
    expect(result.code).toBe(SigningCode.KEY_REVOKED);
    expect(result.keySources).toEqual(['packet keys/', 'policy']);
  });

  test('SHA-1 signature: WEAK_HASH_ALGORITHM', async () => {
    // RSA: OpenPGP.js refuses to even make a SHA-1 EdDSA signature.
    const signature = await signRaw(rsa2048.privateKey, MANIFEST, at(1), { hash: openpgp.enums.hash.sha1 });
    const result = await verifyDetachedSignature(MANIFEST, signature, [candidate(rsa2048)], { now: LATER });
    expect(result.code).toBe(SigningCode.WEAK_HASH_ALGORITHM);
  });

  test('text-mode signature (type 0x01): SIGNATURE_TYPE_NOT_BINARY', async () => {
    const signature = await signAt(alice.privateKey, MANIFEST, at(1), { text: true });
    const result = await verifyDetachedSignature(MANIFEST, signature, [candidate(alice)], { now: LATER });
    expect(result.code).toBe(SigningCode.SIGNATURE_TYPE_NOT_BINARY);
  });

  test('RSA 1024 key: RSA_KEY_TOO_SHORT', async () => {
    const weak = await makeRsa(1024, 'Weak');
    const signature = await signRaw(weak.privateKey, MANIFEST, at(1), { hash: openpgp.enums.hash.sha256 });
    const result = await verifyDetachedSignature(MANIFEST, signature, [candidate(weak)], { now: LATER });
    expect(result.code).toBe(SigningCode.RSA_KEY_TOO_SHORT);
    expect(result.keyBits).toBe(1024);
  });

  test('future-dated signature beyond the skew: SIGNATURE_FROM_FUTURE; within the skew it passes', async () => {
    const signature = await signAt(alice.privateKey, MANIFEST, at(2));
    expect((await verifyDetachedSignature(MANIFEST, signature, [candidate(alice)], { now: at(1) })).code).toBe(SigningCode.SIGNATURE_FROM_FUTURE);
    const nearly = new Date(at(2).getTime() - 4 * 60_000);
    expect((await verifyDetachedSignature(MANIFEST, signature, [candidate(alice)], { now: nearly })).code).toBe(SigningCode.OK);
  });

  test('signature made after its trusted time-stamp: SIGNATURE_AFTER_TIMESTAMP', async () => {
    const signature = await signAt(alice.privateKey, MANIFEST, at(3));
    const result = await verifyDetachedSignature(MANIFEST, signature, [candidate(alice)], { now: LATER, trustedTime: at(1) });
    expect(result.code).toBe(SigningCode.SIGNATURE_AFTER_TIMESTAMP);
  });

  test('a signature older than the key: KEY_NEWER_THAN_SIGNATURE', async () => {
    const late = await makeEd25519('Late', { date: at(5) });
    const raw = await signRaw(late.privateKey, MANIFEST, at(1), { hash: openpgp.enums.hash.sha256 });
    const result = await verifyDetachedSignature(MANIFEST, raw, [candidate(late)], { now: LATER });
    expect(result.code).toBe(SigningCode.KEY_NEWER_THAN_SIGNATURE);
  });

  test('v6 key and signature: SIGNATURE_VERSION_UNSUPPORTED', async () => {
    const v6 = await openpgp.generateKey({ type: 'curve25519', userIDs: [{ name: 'Six' }], date: T0, format: 'object', config: { v6Keys: true } });
    const signature = await signAt(v6.privateKey, MANIFEST, at(1));
    const result = await verifyDetachedSignature(MANIFEST, signature, [{ source: 'v6', armored: v6.publicKey.armor() }], { now: LATER });
    expect(result.code).toBe(SigningCode.SIGNATURE_VERSION_UNSUPPORTED);
    const keyCheck = await checkKeyFileName(`${v6.publicKey.getFingerprint().toUpperCase()}.asc`, v6.publicKey.armor());
    expect(keyCheck.code).toBe(SigningCode.KEY_VERSION_UNSUPPORTED);
  });
});

test('an RSA 2048 signature with SHA-256 is accepted', async () => {
  const signature = await signRaw(rsa2048.privateKey, MANIFEST, at(1), { hash: openpgp.enums.hash.sha256 });
  const result = await verifyDetachedSignature(MANIFEST, signature, [candidate(rsa2048)], { now: LATER });
  expect(result.code).toBe(SigningCode.OK);
  expect(result.keyBits).toBe(2048);
  expect(result.hashAlgorithm).toBe('SHA256');
});

describe('signature file format', () => {
  test('truncated armor: SIGNATURE_ARMOR_TRUNCATED', async () => {
    const signature = await signAt(alice.privateKey, MANIFEST, at(1));
    const cut = signature.slice(0, signature.indexOf('-----END'));
    const result = await verifyDetachedSignature(MANIFEST, cut, [candidate(alice)], { now: LATER });
    expect(result.code).toBe(SigningCode.SIGNATURE_ARMOR_TRUNCATED);
    await expect(normalizeSignature(new TextEncoder().encode(cut))).rejects.toMatchObject({ code: SigningCode.SIGNATURE_ARMOR_TRUNCATED, kind: 'input' });
  });

  test('damaged base64 is caught by the CRC-24: SIGNATURE_ARMOR_CHECKSUM', async () => {
    const signature = await signAt(alice.privateKey, MANIFEST, at(1));
    const lines = signature.split('\n');
    const body = lines.findIndex((line) => /^[A-Za-z0-9+/]{20,}/.test(line));
    const line = lines[body]!;
    lines[body] = (line[5] === 'A' ? 'B' : 'A').padStart(6, line.slice(0, 5)) + line.slice(6);
    const damaged = lines.join('\n');
    const result = await verifyDetachedSignature(MANIFEST, damaged, [candidate(alice)], { now: LATER });
    expect(result.code).toBe(SigningCode.SIGNATURE_ARMOR_CHECKSUM);
  });

  test('garbage, empty, oversized, wrong armor type, two signatures', async () => {
    const code = async (input: string | Uint8Array): Promise<string> => (await verifyDetachedSignature(MANIFEST, input, [candidate(alice)], { now: LATER })).code;
    expect(await code('hello world')).toBe(SigningCode.SIGNATURE_NOT_OPENPGP);
    expect(await code('')).toBe(SigningCode.SIGNATURE_EMPTY);
    expect(await code(new Uint8Array(100_000).fill(0x89))).toBe(SigningCode.SIGNATURE_TOO_LARGE);
    expect(await code(alice.publicArmored)).toBe(SigningCode.SIGNATURE_ARMOR_WRONG_TYPE);
    const one = await openpgp.readSignature({ armoredSignature: await signAt(alice.privateKey, MANIFEST, at(1)) });
    const two = await openpgp.readSignature({ armoredSignature: await signAt(bob.privateKey, MANIFEST, at(1)) });
    const both = new Uint8Array([...one.write(), ...two.write()]);
    expect(await code(both)).toBe(SigningCode.SIGNATURE_NOT_SINGLE);
    expect(await code(one.write().slice(0, 40))).toBe(SigningCode.SIGNATURE_PACKET_MALFORMED);
  });

  test('binary and armored forms normalize to the same canonical armor', async () => {
    const armored = await signAt(alice.privateKey, MANIFEST, at(1));
    const binary = (await openpgp.readSignature({ armoredSignature: armored })).write();
    const fromBinary = await normalizeSignature(binary);
    const fromArmor = await normalizeSignature(new TextEncoder().encode(armored.replace(/\n/g, '\r\n')));
    expect(fromBinary.armored).toBe(fromArmor.armored);
    expect(fromBinary.issuerFingerprints).toEqual([alice.fingerprint]);
    expect((await verifyDetachedSignature(MANIFEST, fromBinary.armored, [candidate(alice)], { now: LATER })).code).toBe(SigningCode.OK);
  });

  test('a signature file named for another fingerprint: SIGNATURE_FILE_NAME_MISMATCH', async () => {
    const signature = await signAt(alice.privateKey, MANIFEST, at(1));
    const result = await verifyDetachedSignature(MANIFEST, signature, [candidate(alice), candidate(bob)], { now: LATER });
    expect(checkSignatureFileName(`signatures/${bob.fingerprint}.asc`, result).code).toBe(SigningCode.SIGNATURE_FILE_NAME_MISMATCH);
    expect(checkSignatureFileName(`signatures/${alice.fingerprint.toLowerCase()}.asc`, result).code).toBe(SigningCode.SIGNATURE_FILE_NAME_INVALID);
    expect(checkSignatureFileName(`signatures/${alice.fingerprint}.asc`, result).ok).toBe(true);
  });

  test('a key file named for another fingerprint: KEY_FILE_NAME_MISMATCH', async () => {
    expect((await checkKeyFileName(`keys/${bob.fingerprint}.asc`, alice.publicArmored)).code).toBe(SigningCode.KEY_FILE_NAME_MISMATCH);
    expect((await checkKeyFileName(`keys/${alice.fingerprint}.asc`, alice.publicArmored)).ok).toBe(true);
  });
});
