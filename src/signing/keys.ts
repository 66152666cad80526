/**
 * Public keys as verification candidates, and the algorithm rules every key and signature must
 * meet: v4 only; RSA of at least 2048 bits, Ed25519 in its legacy EdDSA form (RFC 4880bis
 * algorithm 22, what GnuPG 2.2 makes) or ECDSA over NIST P-256/P-384 (RFC 6637); SHA-256 or
 * stronger, and for ECDSA at least as long as the curve (RFC 6637 section 12.2.5).
 *
 * Keys come from packets, which are hostile: before any cryptography a key must fit the work
 * bounds (size, subkeys, self-signatures, RSA public exponent), so that a stuffed key costs a
 * parse, never thousands of signature checks.
 */
import * as openpgp from 'openpgp';
import { SigningCode } from './codes.js';

export const MAX_KEY_BYTES = 1024 * 1024;
/**
 * Signatures per key: self-signatures (certifications, bindings, revocations) and certifications
 * by others alike. A real key carries a few dozen; `gpg --export-options export-minimal` fewer.
 */
export const MAX_KEY_SIGNATURES = 512;
/** Subkeys per key. */
export const MAX_SUBKEYS = 64;
/** RSA public exponents must be odd and shorter than 2^256 (FIPS 186-5 appendix A.1.1 upper bound). */
export const MAX_RSA_EXPONENT_BITS = 256;
/** Curves accepted for signing keys, by OpenPGP.js name, with the shortest hash each needs. */
export const SIGNING_CURVES: Readonly<Record<string, { label: string; minHash: number }>> = {
  ed25519Legacy: { label: 'Ed25519', minHash: openpgp.enums.hash.sha256 },
  nistP256: { label: 'NIST P-256', minHash: openpgp.enums.hash.sha256 },
  nistP384: { label: 'NIST P-384', minHash: openpgp.enums.hash.sha384 },
};
export const MIN_RSA_BITS = 2048;
/** Keys this tool generates are stronger than the minimum it accepts. */
export const GENERATED_RSA_BITS = 3072;

const FINGERPRINT = /^[0-9A-F]{40}$/;

/** A candidate public key (from a policy key file or a packet's keys/ folder). */
export interface KeyMaterial {
  /** Where it came from, for messages: a file path or a packet path. */
  source: string;
  armored: string;
  /** The file's bytes when it is a binary (unarmored) key, as `gpg --export` writes without --armor. */
  binary?: Uint8Array;
}

/** A key file's bytes to KeyMaterial: armored text, or binary OpenPGP packets (first bit set). */
export function keyMaterialFromBytes(source: string, bytes: Uint8Array): KeyMaterial {
  const first = bytes.find((byte) => byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d);
  if (first !== undefined && (first & 0x80) !== 0) return { source, armored: '', binary: bytes };
  return { source, armored: Buffer.from(bytes).toString('utf8') };
}

export class KeyRuleError extends Error {
  constructor(readonly code: SigningCode, message: string) {
    super(message);
    this.name = 'KeyRuleError';
  }
}

/** True for a v4 primary fingerprint in our canonical form: 40 upper-case hex digits. */
export function isFingerprint(text: string): boolean {
  return FINGERPRINT.test(text);
}

/**
 * Canonical form of a fingerprint as people write it: case-insensitive, with the spaces gpg
 * prints between groups removed. Returns undefined when it is not 40 hex digits.
 */
export function normalizeFingerprint(text: string): string | undefined {
  const compact = text.replace(/\s+/g, '').toUpperCase();
  return FINGERPRINT.test(compact) ? compact : undefined;
}

export function upperHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}

/** Parse one public key (armored or binary), refusing private keys, several keys, anything but v4 and keys beyond the work bounds. */
export async function readPublicKey(material: KeyMaterial): Promise<openpgp.PublicKey> {
  const size = material.binary?.byteLength ?? material.armored.length;
  if (size > MAX_KEY_BYTES) {
    throw new KeyRuleError(SigningCode.KEY_TOO_LARGE, `${material.source}: the key file is larger than ${MAX_KEY_BYTES} bytes`);
  }
  // OpenPGP.js reads the first armor block only: a file of several blocks must not pass as its first key.
  const blocks = material.binary === undefined ? countArmorBlocks(material.armored) : 0;
  if (blocks > 1) {
    throw new KeyRuleError(SigningCode.KEY_FILE_MULTIPLE_KEYS, `${material.source}: holds ${blocks} armored key blocks; give a file with exactly one key (gpg --armor --export <fingerprint>)`);
  }
  let keys: openpgp.Key[];
  try {
    keys = material.binary !== undefined ? await openpgp.readKeys({ binaryKeys: material.binary }) : await openpgp.readKeys({ armoredKeys: material.armored });
  } catch (error) {
    const hint = material.binary === undefined && !material.armored.includes('-----BEGIN PGP') ? '; expected an armored (`gpg --armor --export`) or binary key' : '';
    throw new KeyRuleError(SigningCode.KEY_MALFORMED, `${material.source}: not a readable OpenPGP public key (${errorText(error)})${hint}`);
  }
  if (keys.length !== 1) {
    throw new KeyRuleError(SigningCode.KEY_FILE_MULTIPLE_KEYS, `${material.source}: holds ${keys.length} keys; give a file with exactly one (gpg --armor --export <fingerprint>)`);
  }
  const key = keys[0] as openpgp.Key;
  if (key.isPrivate()) {
    throw new KeyRuleError(SigningCode.KEY_IS_PRIVATE, `${material.source}: holds a private key; only public keys are accepted here`);
  }
  checkKeyVersion(key, material.source);
  checkKeyBounds(key, material.source);
  checkKeyCurves(key, material.source);
  return key as openpgp.PublicKey;
}

export function countArmorBlocks(text: string): number {
  return text.match(/^-----BEGIN PGP (?:PUBLIC|PRIVATE) KEY BLOCK-----/gm)?.length ?? 0;
}

/** The work bounds, checked on the parsed packets before any signature in the key is verified. */
export function checkKeyBounds(key: openpgp.Key, source: string): void {
  if (key.subkeys.length > MAX_SUBKEYS) {
    throw new KeyRuleError(SigningCode.KEY_TOO_COMPLEX, `${source}: has ${key.subkeys.length} subkeys; at most ${MAX_SUBKEYS} are accepted`);
  }
  const signatures = countKeySignatures(key);
  if (signatures > MAX_KEY_SIGNATURES) {
    throw new KeyRuleError(SigningCode.KEY_TOO_COMPLEX, `${source}: carries ${signatures} signatures; at most ${MAX_KEY_SIGNATURES} are accepted`);
  }
  for (const packet of [key.keyPacket, ...key.subkeys.map((subkey) => subkey.keyPacket)]) checkRsaExponent(packet, source);
}

export function countKeySignatures(key: openpgp.Key): number {
  let count = (key as unknown as { directSignatures: unknown[] }).directSignatures.length + key.revocationSignatures.length;
  for (const user of key.users) count += user.selfCertifications.length + user.otherCertifications.length + user.revocationSignatures.length;
  for (const subkey of key.subkeys) count += subkey.bindingSignatures.length + subkey.revocationSignatures.length;
  return count;
}

function checkRsaExponent(packet: openpgp.PublicKeyPacket | openpgp.PublicSubkeyPacket | openpgp.SecretKeyPacket | openpgp.SecretSubkeyPacket, source: string): void {
  const algorithm = packet.algorithm;
  const { publicKey } = openpgp.enums;
  if (algorithm !== publicKey.rsaEncryptSign && algorithm !== publicKey.rsaSign && algorithm !== publicKey.rsaEncrypt) return;
  const e = (packet as unknown as { publicParams: { e?: Uint8Array } }).publicParams.e;
  const bytes = e === undefined ? new Uint8Array() : e.subarray(e.findIndex((byte) => byte !== 0) === -1 ? e.length : e.findIndex((byte) => byte !== 0));
  const bits = bytes.length === 0 ? 0 : (bytes.length - 1) * 8 + (32 - Math.clz32(bytes[0] as number));
  const odd = bytes.length > 0 && ((bytes[bytes.length - 1] as number) & 1) === 1;
  if (bits > MAX_RSA_EXPONENT_BITS || !odd || bits < 2) {
    throw new KeyRuleError(
      SigningCode.RSA_EXPONENT_INVALID,
      `${source}: key ${packet.getFingerprint().toUpperCase()} has an RSA public exponent of ${bits} bits${odd ? '' : ' (even)'}; an odd exponent of 3 up to ${MAX_RSA_EXPONENT_BITS} bits is required`,
    );
  }
}

/** Signing-capable keys on a curve we do not accept are refused at load, with the curve named. */
export function checkKeyCurves(key: openpgp.Key, source: string): void {
  for (const packet of [key.keyPacket, ...key.subkeys.map((subkey) => subkey.keyPacket)]) {
    const info = describeKeyAlgorithm(packet);
    if (info.publicKeyAlgorithm !== 'ecdsa' && info.publicKeyAlgorithm !== 'eddsaLegacy') continue;
    if (info.curve === undefined || SIGNING_CURVES[info.curve] === undefined || (info.publicKeyAlgorithm === 'ecdsa') === (info.curve === 'ed25519Legacy')) {
      throw new KeyRuleError(SigningCode.UNSUPPORTED_CURVE, unsupportedCurveMessage(`${source}: key ${packet.getFingerprint().toUpperCase()}`, info));
    }
  }
}

export function unsupportedCurveMessage(what: string, info: KeyAlgorithm): string {
  return `${what} uses ${info.publicKeyAlgorithm.toUpperCase()} on curve ${info.curve ?? 'unknown'}; only Ed25519, NIST P-256 and NIST P-384 are accepted`;
}

export function checkKeyVersion(key: openpgp.Key, source: string): void {
  for (const packet of [key.keyPacket, ...key.subkeys.map((subkey) => subkey.keyPacket)]) {
    if (packet.version !== 4) {
      throw new KeyRuleError(SigningCode.KEY_VERSION_UNSUPPORTED, `${source}: v${packet.version} keys are not supported; GnuPG 2.2 interoperates with v4 keys only`);
    }
  }
}

/** The algorithm facts of a key packet we report, and the rule they must meet. */
export interface KeyAlgorithm {
  publicKeyAlgorithm: string;
  keyBits?: number;
  curve?: string;
}

export function describeKeyAlgorithm(packet: openpgp.PublicKeyPacket | openpgp.PublicSubkeyPacket | openpgp.SecretKeyPacket | openpgp.SecretSubkeyPacket): KeyAlgorithm {
  const info = packet.getAlgorithmInfo();
  const result: KeyAlgorithm = { publicKeyAlgorithm: info.algorithm };
  if (info.bits !== undefined) result.keyBits = info.bits;
  if (info.curve !== undefined) result.curve = info.curve;
  return result;
}

/** Throws KeyRuleError when a signing key's algorithm is not acceptable. */
export function checkSigningAlgorithm(algorithm: KeyAlgorithm, what: string): void {
  switch (algorithm.publicKeyAlgorithm) {
    case 'rsaSign':
    case 'rsaEncryptSign':
      if ((algorithm.keyBits ?? 0) < MIN_RSA_BITS) {
        throw new KeyRuleError(SigningCode.RSA_KEY_TOO_SHORT, `${what} is RSA ${algorithm.keyBits ?? '?'} bits; at least ${MIN_RSA_BITS} are required`);
      }
      return;
    case 'eddsaLegacy':
      if (algorithm.curve !== 'ed25519Legacy') throw new KeyRuleError(SigningCode.UNSUPPORTED_CURVE, unsupportedCurveMessage(what, algorithm));
      return;
    case 'ecdsa':
      if (algorithm.curve !== 'nistP256' && algorithm.curve !== 'nistP384') throw new KeyRuleError(SigningCode.UNSUPPORTED_CURVE, unsupportedCurveMessage(what, algorithm));
      return;
    case 'dsa':
    case 'elgamal':
      throw new KeyRuleError(SigningCode.WEAK_PUBLIC_KEY_ALGORITHM, `${what} uses ${algorithm.publicKeyAlgorithm.toUpperCase()}, which is not accepted for signatures`);
    default:
      throw new KeyRuleError(SigningCode.UNSUPPORTED_PUBLIC_KEY_ALGORITHM, `${what} uses ${algorithm.publicKeyAlgorithm}; only RSA (2048 bits or more), Ed25519 (legacy EdDSA) and ECDSA on NIST P-256/P-384 are accepted`);
  }
}

/** SHA-256 or stronger (RFC 4880 section 9.4 ids 8, 9, 10). MD5, SHA-1, RIPEMD-160 and SHA-224 are refused. */
const ACCEPTED_HASHES = new Set<number>([openpgp.enums.hash.sha256, openpgp.enums.hash.sha384, openpgp.enums.hash.sha512]);

export function hashAlgorithmName(id: number): string {
  try {
    return openpgp.enums.read(openpgp.enums.hash, id).toUpperCase();
  } catch {
    return `hash #${id}`;
  }
}

export function checkHashAlgorithm(id: number): void {
  if (!ACCEPTED_HASHES.has(id)) {
    throw new KeyRuleError(SigningCode.WEAK_HASH_ALGORITHM, `the signature uses ${hashAlgorithmName(id)}; SHA-256 or stronger is required`);
  }
}

/** ECDSA needs a hash at least as long as its curve (RFC 6637 section 12.2.5); gpg 2.2 insists on it too. */
export function checkHashForCurve(hashId: number, algorithm: KeyAlgorithm): void {
  if (algorithm.publicKeyAlgorithm !== 'ecdsa' || algorithm.curve === undefined) return;
  const rule = SIGNING_CURVES[algorithm.curve];
  if (rule !== undefined && hashId < rule.minHash && ACCEPTED_HASHES.has(hashId)) {
    throw new KeyRuleError(SigningCode.WEAK_HASH_ALGORITHM, `the signature uses ${hashAlgorithmName(hashId)} with a ${rule.label} key; ${hashAlgorithmName(rule.minHash)} or stronger is required`);
  }
}

/** The public-key algorithm id of a signature packet, named; used before any key is found. */
export function publicKeyAlgorithmName(id: number): string {
  try {
    return openpgp.enums.read(openpgp.enums.publicKey, id);
  } catch {
    return `algorithm #${id}`;
  }
}

export function primaryFingerprint(key: openpgp.Key): string {
  return key.getFingerprint().toUpperCase();
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
