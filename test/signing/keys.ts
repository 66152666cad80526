/** Test keys, generated per test run with fixed dates (no binary fixtures checked in). */
import * as openpgp from 'openpgp';

export const T0 = new Date('2025-01-01T00:00:00Z');
export const HOUR = 3600_000;
export const at = (hours: number): Date => new Date(T0.getTime() + hours * HOUR);

export interface TestKey {
  privateKey: openpgp.PrivateKey;
  publicArmored: string;
  privateArmored: string;
  fingerprint: string;
}

export interface KeyOptions {
  date?: Date;
  keyExpirationTime?: number;
  subkeys?: { sign?: boolean; keyExpirationTime?: number }[];
}

export async function makeEd25519(name = 'Alice', options: KeyOptions = {}): Promise<TestKey> {
  const generated = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name, email: `${name.toLowerCase()}@example.org` }],
    date: options.date ?? T0,
    format: 'object',
    config: { v6Keys: false },
    ...(options.keyExpirationTime !== undefined ? { keyExpirationTime: options.keyExpirationTime } : {}),
    ...(options.subkeys !== undefined ? { subkeys: options.subkeys } : {}),
  });
  return toTestKey(generated.privateKey);
}

export async function makeRsa(bits: number, name = 'Rsa'): Promise<TestKey> {
  const generated = await openpgp.generateKey({
    type: 'rsa',
    rsaBits: bits,
    userIDs: [{ name, email: `${name.toLowerCase()}@example.org` }],
    date: T0,
    format: 'object',
    config: { v6Keys: false, minRSABits: 1024 },
  });
  return toTestKey(generated.privateKey);
}

export function toTestKey(privateKey: openpgp.PrivateKey): TestKey {
  return {
    privateKey,
    publicArmored: privateKey.toPublic().armor(),
    privateArmored: privateKey.armor(),
    fingerprint: privateKey.getFingerprint().toUpperCase(),
  };
}

export async function signAt(
  key: openpgp.PrivateKey,
  data: Uint8Array,
  date: Date,
  extra: { config?: Partial<openpgp.Config>; signingKeyIDs?: openpgp.KeyID[]; text?: boolean } = {},
): Promise<string> {
  const message = extra.text ? await openpgp.createMessage({ text: new TextDecoder().decode(data) }) : await openpgp.createMessage({ binary: data });
  return openpgp.sign({
    message,
    signingKeys: key,
    detached: true,
    format: 'armored',
    date,
    ...(extra.config ? { config: extra.config } : {}),
    ...(extra.signingKeyIDs ? { signingKeyIDs: extra.signingKeyIDs } : {}),
  });
}

export const MANIFEST = new TextEncoder().encode('0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef  payload/a.json\n');

/**
 * A signature packet built by hand, for what OpenPGP.js's `sign` will not make (SHA-1, other
 * types): the same packet layout GnuPG writes, with issuer fingerprint and key id.
 */
export async function signRaw(
  key: openpgp.PrivateKey,
  data: Uint8Array,
  date: Date,
  options: { hash: openpgp.enums.hash; type?: openpgp.enums.signature },
): Promise<string> {
  const packet = new openpgp.SignaturePacket();
  packet.signatureType = options.type ?? openpgp.enums.signature.binary;
  packet.publicKeyAlgorithm = key.keyPacket.algorithm;
  packet.hashAlgorithm = options.hash;
  packet.issuerKeyID = key.keyPacket.getKeyID();
  packet.issuerFingerprint = key.keyPacket.getFingerprintBytes() as Uint8Array;
  packet.issuerKeyVersion = 4;
  const literal = new openpgp.LiteralDataPacket();
  (literal as unknown as { setBytes(b: Uint8Array, f: openpgp.enums.literal): void }).setBytes(data, openpgp.enums.literal.binary);
  const config = { ...openpgp.config, nonDeterministicSignaturesViaNotation: false };
  await (packet as unknown as { sign(k: unknown, d: unknown, t: Date, detached: boolean, c: unknown): Promise<void> }).sign(key.keyPacket, literal, date, true, config);
  const list = new openpgp.PacketList<openpgp.SignaturePacket>();
  list.push(packet);
  return new openpgp.Signature(list).armor();
}
