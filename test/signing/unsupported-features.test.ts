/**
 * Signature features this verifier does not support get their own codes, found before any
 * cryptography (RFC 4880 section 5.2.3.1: a critical subpacket the reader does not understand
 * makes the signature unusable). Before, OpenPGP.js threw them from inside the signature check
 * and they were reported as SIGNATURE_MISMATCH.
 */
import * as openpgp from 'openpgp';
import { beforeAll, expect, test } from 'vitest';
import { SigningCode, verifyDetachedSignature } from '../../src/signing/index.js';
import { at, makeEd25519, MANIFEST, signAt, type TestKey } from './keys.js';

let alice: TestKey;
beforeAll(async () => {
  alice = await makeEd25519('Alice');
});

/** New-format packet header (RFC 4880 section 4.2.2) for a signature packet body. */
function framed(body: Uint8Array): Uint8Array {
  const length = body.length < 192 ? [body.length] : [((body.length - 192) >> 8) + 192, (body.length - 192) & 0xff];
  return new Uint8Array([0xc2, ...length, ...body]);
}

/** The signature with one extra hashed subpacket (type, critical flag, one byte of data) inserted. */
async function withHashedSubpacket(armored: string, type: number, critical: boolean): Promise<Uint8Array> {
  const packet = (await openpgp.readSignature({ armoredSignature: armored })).packets.write();
  const headerLength = packet[1]! < 192 ? 2 : 3;
  const body = packet.subarray(headerLength);
  const hashedLength = (body[4]! << 8) | body[5]!;
  const extra = [2, (critical ? 0x80 : 0) | type, 0x01];
  const out = new Uint8Array([...body.subarray(0, 4), (hashedLength + 3) >> 8, (hashedLength + 3) & 0xff, ...extra, ...body.subarray(6)]);
  return framed(out);
}

test('an unknown critical subpacket: SIGNATURE_UNKNOWN_CRITICAL_SUBPACKET, not SIGNATURE_MISMATCH', async () => {
  const signature = await signAt(alice.privateKey, MANIFEST, at(1));
  const result = await verifyDetachedSignature(MANIFEST, await withHashedSubpacket(signature, 105, true), [{ source: 'k', armored: alice.publicArmored }], { now: at(48) });
  expect(result.code).toBe(SigningCode.SIGNATURE_UNKNOWN_CRITICAL_SUBPACKET);
  expect(result.message).toContain('type 105');
});

test('the same subpacket, not critical: ignored by the parser, and the changed hashed area fails the cryptographic check', async () => {
  const signature = await signAt(alice.privateKey, MANIFEST, at(1));
  const result = await verifyDetachedSignature(MANIFEST, await withHashedSubpacket(signature, 105, false), [{ source: 'k', armored: alice.publicArmored }], { now: at(48) });
  expect(result.code).toBe(SigningCode.SIGNATURE_MISMATCH);
});

test('a critical notation made by a signer: SIGNATURE_UNKNOWN_CRITICAL_NOTATION; a non-critical one verifies', async () => {
  const message = await openpgp.createMessage({ binary: MANIFEST });
  const make = async (critical: boolean) =>
    openpgp.sign({ message, signingKeys: alice.privateKey, detached: true, date: at(1), signatureNotations: [{ name: 'review@example.org', value: new TextEncoder().encode('CHG-2041'), humanReadable: true, critical }] });
  const critical = await verifyDetachedSignature(MANIFEST, await make(true), [{ source: 'k', armored: alice.publicArmored }], { now: at(48) });
  expect(critical.code).toBe(SigningCode.SIGNATURE_UNKNOWN_CRITICAL_NOTATION);
  const plain = await verifyDetachedSignature(MANIFEST, await make(false), [{ source: 'k', armored: alice.publicArmored }], { now: at(48) });
  expect(plain.code).toBe(SigningCode.OK);
});
