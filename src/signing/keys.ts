/**
 * Public keys as verification candidates, and the algorithm rules every key and signature must
 * meet: v4 only; RSA of at least 2048 bits or Ed25519 in its legacy EdDSA form (RFC 4880bis
 * algorithm 22, what GnuPG 2.2 makes); SHA-256 or stronger.
 */
import * as openpgp from 'openpgp';
import { SigningCode } from './codes.js';

export const MAX_KEY_BYTES = 1024 * 1024;
export const MIN_RSA_BITS = 2048;
/** Keys this tool generates are stronger than the minimum it accepts. */
export const GENERATED_RSA_BITS = 3072;

const FINGERPRINT = /^[0-9A-F]{40}$/;

/** A candidate public key (from a policy key file or a packet's keys/ folder). */
export interface KeyMaterial {
  /** Where it came from, for messages: a file path or a packet path. */
  source: string;
  armored: string;
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

/** Parse one armored public key, refusing private keys and anything but v4. */
export async function readPublicKey(material: KeyMaterial): Promise<openpgp.PublicKey> {
  if (material.armored.length > MAX_KEY_BYTES) {
    throw new KeyRuleError(SigningCode.KEY_TOO_LARGE, `${material.source}: the key file is larger than ${MAX_KEY_BYTES} bytes`);
  }
  let key: openpgp.Key;
  try {
    key = await openpgp.readKey({ armoredKey: material.armored });
  } catch (error) {
    throw new KeyRuleError(SigningCode.KEY_MALFORMED, `${material.source}: not a readable OpenPGP public key (${errorText(error)})`);
  }
  if (key.isPrivate()) {
    throw new KeyRuleError(SigningCode.KEY_IS_PRIVATE, `${material.source}: holds a private key; only public keys are accepted here`);
  }
  checkKeyVersion(key, material.source);
  return key as openpgp.PublicKey;
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
      if (algorithm.curve !== 'ed25519Legacy') {
        throw new KeyRuleError(SigningCode.UNSUPPORTED_PUBLIC_KEY_ALGORITHM, `${what} uses EdDSA on curve ${algorithm.curve ?? '?'}; only Ed25519 is accepted`);
      }
      return;
    case 'dsa':
    case 'elgamal':
      throw new KeyRuleError(SigningCode.WEAK_PUBLIC_KEY_ALGORITHM, `${what} uses ${algorithm.publicKeyAlgorithm.toUpperCase()}, which is not accepted for signatures`);
    default:
      throw new KeyRuleError(SigningCode.UNSUPPORTED_PUBLIC_KEY_ALGORITHM, `${what} uses ${algorithm.publicKeyAlgorithm}; only RSA (2048 bits or more) and Ed25519 (legacy EdDSA) are accepted`);
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
