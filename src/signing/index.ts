/** OpenPGP signing and signature verification: the library API of this module. */
export { SigningCode } from './codes.js';
export { armorSignature, crc24, MAX_SIGNATURE_BYTES } from './armor.js';
export {
  isFingerprint,
  normalizeFingerprint,
  readPublicKey,
  MIN_RSA_BITS,
  GENERATED_RSA_BITS,
  MAX_KEY_BYTES,
  keyMaterialFromBytes,
  type KeyMaterial,
} from './keys.js';
export { normalizeSignature, type NormalizedSignature } from './signature-file.js';
export type { Revocation } from './revocation.js';
export {
  verifyDetachedSignature,
  checkSignatureFileName,
  checkKeyFileName,
  DEFAULT_MAX_SKEW_MS,
  type VerifyOptions,
  type SignatureVerification,
  type CandidateProblem,
} from './verify.js';
export { signWithKeyFile, signWithGpg, type SignOutcome, type GpgSignOptions, type KeyGate, type PassphraseInput, type PassphraseRequest, type PassphraseSource } from './sign.js';
export type { KeyIdentity } from './gpg-keys.js';
