/**
 * Bounds on keys (issue 12): a packet stuffed with 60 hostile keys (RSA public exponents of
 * 16,000 bits, 1,500 copies of a self-signature each) and a signature named for each is judged
 * by cheap rejections: unpinned names are refused before anything is parsed, pinned keys that
 * break the bounds are refused at parse, before any signature in them is verified. Without the
 * bounds this packet takes minutes (every copy of the self-signature is verified with the huge
 * exponent); the test's timeout is far below that.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readPublicKey, SigningCode } from '../../src/signing/index.js';
import { loadTrustPolicy } from '../../src/trust/index.js';
import { verifyPacket } from '../../src/verify/index.js';
import { makeTempDir } from '../helpers/cli.js';
import { makeRsa } from '../signing/keys.js';
import { makeCorpusFixture, VERIFY_AT, type CorpusFixture } from '../vectors/fixture.js';
import { makeEntry, nameOf, parseTar, serializeTar } from '../vectors/tar.js';

const HOSTILE_KEYS = 60;
const COPIES = 1500;
const temp = makeTempDir('packet-hostile-keys-');
let fixture: CorpusFixture;
let rsa: openpgp.PrivateKey;
beforeAll(async () => {
  fixture = await makeCorpusFixture(temp.path);
  rsa = (await makeRsa(2048, 'Stuffed')).privateKey;
}, 60_000);
afterAll(async () => {
  await fixture?.tsa.close();
  temp.cleanup();
});

/** An odd exponent of `bits` bits, varied by `seed` so that every key has its own fingerprint. */
function hugeExponent(bits: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(Math.ceil(bits / 8));
  bytes[0] = 0x80;
  bytes[1] = seed & 0xff;
  bytes[2] = (seed >> 8) & 0xff;
  bytes[bytes.length - 1] = 0x01;
  return bytes;
}

/**
 * The RSA key with its exponent replaced and its self-signature copied `copies` times (they
 * still name the original key as issuer, so a reader files them as certifications by others;
 * the bound counts every signature a key carries, whoever claims to have made it).
 */
async function stuffedKey(seed: number, copies: number, exponentBits: number): Promise<{ fingerprint: string; armored: string }> {
  const key = (await openpgp.readKey({ armoredKey: rsa.toPublic().armor() })) as openpgp.PublicKey;
  (key.keyPacket as unknown as { publicParams: { e: Uint8Array } }).publicParams.e = hugeExponent(exponentBits, seed);
  const user = key.users[0] as openpgp.User;
  const signature = user.selfCertifications[0] as openpgp.SignaturePacket;
  user.selfCertifications = Array.from({ length: copies }, () => signature);
  const armored = key.armor();
  const reread = await openpgp.readKey({ armoredKey: armored });
  const reader = reread.users[0] as openpgp.User;
  expect(reader.selfCertifications.length + reader.otherCertifications.length).toBe(copies);
  return { fingerprint: reread.getFingerprint().toUpperCase(), armored };
}

describe('keys beyond the bounds', () => {
  test('each bound has its own refusal at parse: self-signatures, RSA exponent, several keys', async () => {
    const copies = await stuffedKey(1, COPIES, 17);
    await expect(readPublicKey({ source: 'copies.asc', armored: copies.armored })).rejects.toMatchObject({ code: SigningCode.KEY_TOO_COMPLEX });
    const exponent = await stuffedKey(2, 1, 16_000);
    await expect(readPublicKey({ source: 'exponent.asc', armored: exponent.armored })).rejects.toMatchObject({ code: SigningCode.RSA_EXPONENT_INVALID });
    const evenKey = (await openpgp.readKey({ armoredKey: rsa.toPublic().armor() })) as openpgp.PublicKey;
    (evenKey.keyPacket as unknown as { publicParams: { e: Uint8Array } }).publicParams.e = new Uint8Array([1, 0, 0]);
    await expect(readPublicKey({ source: 'even.asc', armored: evenKey.armor() })).rejects.toMatchObject({ code: SigningCode.RSA_EXPONENT_INVALID });
    const two = `${fixture.alice.publicArmored}\n${fixture.bob.publicArmored}`;
    await expect(readPublicKey({ source: 'two.asc', armored: two })).rejects.toMatchObject({ code: SigningCode.KEY_FILE_MULTIPLE_KEYS });
    // The ordinary keys pass the same bounds.
    await expect(readPublicKey({ source: 'alice.asc', armored: fixture.alice.publicArmored })).resolves.toBeDefined();
    await expect(readPublicKey({ source: 'rsa.asc', armored: rsa.toPublic().armor() })).resolves.toBeDefined();
  });

  test(`a packet with ${HOSTILE_KEYS} stuffed keys and signatures is judged by cheap rejections`, async () => {
    const entries = parseTar(fixture.base);
    const template = entries.find((e) => nameOf(e).startsWith('signatures/'));
    if (template === undefined) throw new Error('fixture has no signature');
    const someSignature = template.data;
    const hostile: string[] = [];
    for (let i = 0; i < HOSTILE_KEYS; i += 1) {
      const key = await stuffedKey(100 + i, COPIES, 16_000);
      hostile.push(key.fingerprint);
      entries.push(makeEntry(`keys/${key.fingerprint}.asc`, Buffer.from(key.armored), template));
      entries.push(makeEntry(`signatures/${key.fingerprint}.asc`, someSignature, template));
    }
    entries.sort((a, b) => Buffer.compare(Buffer.from(nameOf(a)), Buffer.from(nameOf(b))));
    const file = join(temp.path, 'stuffed.packet.tar');
    writeFileSync(file, serializeTar(entries));

    // The policy also pins two of the hostile keys: those are parsed, and refused by the bounds.
    const [pinnedCopies = '', pinnedExponent = ''] = hostile;
    const policyFile = join(temp.path, 'stuffed-policy.yaml');
    const base = (await import('node:fs')).readFileSync(fixture.policyFile, 'utf8');
    writeFileSync(
      policyFile,
      base.replace(
        'require:',
        [`  - id: mallet`, `    name: Mallet`, `    roles: [operator]`, `    fingerprints: ["${pinnedCopies}", "${pinnedExponent}"]`, 'require:'].join('\n'),
      ),
    );
    const policy = await loadTrustPolicy(policyFile);
    const { report } = await verifyPacket(file, { now: VERIFY_AT, policy });
    const bySubject = (subject: string) => report.checks.filter((c) => c.subject === subject);
    for (const fingerprint of hostile.slice(2)) {
      expect(bySubject(`signatures/${fingerprint}.asc`).map((c) => c.code)).toEqual(['KEY_NOT_IN_POLICY']);
      expect(bySubject(`keys/${fingerprint}.asc`)).toEqual([]);
    }
    for (const fingerprint of [pinnedCopies, pinnedExponent]) {
      expect(bySubject(`keys/${fingerprint}.asc`).map((c) => c.code)).toEqual([SigningCode.KEY_TOO_COMPLEX]);
      // The signature is alice's, filed under the hostile name: caught by name once alice's key verifies it.
      expect(bySubject(`signatures/${fingerprint}.asc`).map((c) => c.code)).toEqual(['SIGNATURE_FILE_NAME_MISMATCH']);
    }
    // alice and bob still count: the hostile keys cost nothing but their refusal.
    const good = report.checks.filter((c) => c.id === 'signature' && c.status === 'pass').map((c) => c.subject);
    expect(good.sort()).toEqual([`signatures/${fixture.alice.fingerprint}.asc`, `signatures/${fixture.bob.fingerprint}.asc`].sort());
    expect(report.verdict).toBe('fail');
  }, 60_000);
});
