/**
 * Key life cycles made by the real gpg 2.2 (issue 12): a yearly renewal with
 * `gpg --quick-set-expire` never invalidates a signature that was valid when it was made, in
 * either key layout and whichever copies of the key the verifier holds; a hard revocation
 * still does; a key that had expired when it signed still fails. Generated per run at fixed
 * times with `--faked-system-time`.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SigningCode, verifyDetachedSignature, type KeyMaterial } from '../../src/signing/index.js';
import { makeGpgHome, type GpgHome } from './gpg.js';
import { MANIFEST } from './keys.js';
import { DAY, epoch, exportKey, renew, revoke, signAtTime, tokenLayoutKey } from './lifecycle.js';

const BORN = epoch('2025-01-01T00:00:00Z');
const SIGNED = BORN + 30 * DAY;
const RENEWED = BORN + 330 * DAY;
const AUDITED = new Date((BORN + 500 * DAY) * 1000);
const trusted = (seconds: number): Date => new Date(seconds * 1000 + 60_000);

interface Case {
  layout: string;
  algorithm: string;
}
const CASES: Case[] = [
  { layout: 'ed25519 token layout', algorithm: 'ed25519' },
  { layout: 'rsa3072 token layout', algorithm: 'rsa3072' },
];

let gpg: GpgHome;
beforeAll(() => {
  gpg = makeGpgHome();
});
afterAll(() => gpg.cleanup());

describe.each(CASES)('renewal with gpg --quick-set-expire ($layout)', ({ algorithm }) => {
  let fpr: string;
  let signature: string;
  let packetCopy: KeyMaterial;
  let freshCopy: KeyMaterial;
  beforeAll(() => {
    fpr = tokenLayoutKey(gpg, `Renew ${algorithm} <renew-${algorithm}@example.org>`, BORN, algorithm, '1y');
    signature = signAtTime(gpg, fpr, SIGNED, MANIFEST);
    packetCopy = { source: `keys/${fpr}.asc`, armored: exportKey(gpg, fpr) };
    renew(gpg, fpr, RENEWED, '2y');
    freshCopy = { source: 'policy/renewed.asc', armored: exportKey(gpg, fpr) };
  }, 120_000);

  test('the fresh copy alone holds only binding signatures made after the signature', () => {
    expect(freshCopy.armored).not.toBe(packetCopy.armored);
  });

  test('fresh copy and packet copy merged: the earlier, time-stamped signature still verifies', async () => {
    for (const order of [[freshCopy, packetCopy], [packetCopy, freshCopy]]) {
      const result = await verifyDetachedSignature(MANIFEST, signature, order, { now: AUDITED, trustedTime: trusted(SIGNED) });
      expect(result.message).toBe(`good signature by ${fpr}`);
      expect(result.code).toBe(SigningCode.OK);
      expect(result.keySources).toHaveLength(2);
    }
  });

  test('the fresh copy alone: still valid at the trusted time, as gpg --verify says', async () => {
    const result = await verifyDetachedSignature(MANIFEST, signature, [freshCopy], { now: AUDITED, trustedTime: trusted(SIGNED) });
    expect(result.code).toBe(SigningCode.OK);
  });

  test('a signature after the first expiry date verifies once renewed; with only the old copy: KEY_EXPIRED or SUBKEY_EXPIRED', async () => {
    const late = BORN + 370 * DAY; // the first expiry was day 365; the renewal at day 330 extended it
    const valid = await verifyDetachedSignature(MANIFEST, signAtTime(gpg, fpr, late, MANIFEST), [freshCopy, packetCopy], { now: AUDITED, trustedTime: trusted(late) });
    expect(valid.code).toBe(SigningCode.OK);
    // With only the old copy the verifier knows nothing of the renewal: expired at that time.
    const stale = await verifyDetachedSignature(MANIFEST, signAtTime(gpg, fpr, late, MANIFEST), [packetCopy], { now: AUDITED, trustedTime: trusted(late) });
    expect([SigningCode.KEY_EXPIRED, SigningCode.SUBKEY_EXPIRED]).toContain(stale.code);
  });
});

describe('revocation after renewal', () => {
  test('a hard revocation (compromised) in the fresh copy still invalidates the earlier signature: KEY_REVOKED', async () => {
    const fpr = tokenLayoutKey(gpg, 'Compromised <compromised@example.org>', BORN, 'ed25519', '1y');
    const signature = signAtTime(gpg, fpr, SIGNED, MANIFEST);
    const packetCopy = { source: `keys/${fpr}.asc`, armored: exportKey(gpg, fpr) };
    renew(gpg, fpr, RENEWED, '2y');
    revoke(gpg, fpr, RENEWED + DAY, 2);
    const freshCopy = { source: 'policy/revoked.asc', armored: exportKey(gpg, fpr) };
    const result = await verifyDetachedSignature(MANIFEST, signature, [packetCopy, freshCopy], { now: AUDITED, trustedTime: trusted(SIGNED) });
    expect(result.code).toBe(SigningCode.KEY_REVOKED);
  }, 60_000);

  test('a soft revocation (retired) after the signature leaves it valid; before it, not', async () => {
    const fpr = tokenLayoutKey(gpg, 'Retired <retired@example.org>', BORN, 'ed25519', '1y');
    const before = signAtTime(gpg, fpr, SIGNED, MANIFEST);
    renew(gpg, fpr, RENEWED, '2y');
    // Made first, dated after the retirement below: gpg would not sign with a retired key.
    const after = signAtTime(gpg, fpr, RENEWED + 20 * DAY, MANIFEST);
    revoke(gpg, fpr, RENEWED + 10 * DAY, 3);
    const freshCopy = { source: 'policy/retired.asc', armored: exportKey(gpg, fpr) };
    expect((await verifyDetachedSignature(MANIFEST, before, [freshCopy], { now: AUDITED, trustedTime: trusted(SIGNED) })).code).toBe(SigningCode.OK);
    expect((await verifyDetachedSignature(MANIFEST, after, [freshCopy], { now: AUDITED, trustedTime: trusted(RENEWED + 20 * DAY) })).code).toBe(SigningCode.KEY_REVOKED_BEFORE_SIGNING);
  }, 60_000);
});
