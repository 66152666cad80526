/**
 * Offline verification of one detached signature over exact bytes, against candidate public
 * keys. Keys here are only candidates: whether the key is trusted is the trust policy's call
 * (src/trust), made on the primary fingerprint this returns.
 *
 * Order: parse the signature (format, version, type, algorithms), check its time against the
 * reference time, find the issuing key among the candidates, verify the cryptography, then judge
 * the key's validity at signing time (revocation, creation, expiry, signing capability).
 */
import { formatRfc3339 } from '../core/time.js';
import { basename } from 'node:path';
import * as openpgp from 'openpgp';
import { SignatureFormatError } from './armor.js';
import { SigningCode } from './codes.js';
import {
  checkHashAlgorithm,
  checkHashForCurve,
  checkSigningAlgorithm,
  describeKeyAlgorithm,
  errorText,
  hashAlgorithmName,
  KeyRuleError,
  primaryFingerprint,
  publicKeyAlgorithmName,
  readPublicKey,
  type KeyMaterial,
} from './keys.js';
import { directSignatures, loadCandidates, selfSignatureDate, type CandidateKey, type CandidateProblem } from './key-history.js';
import { findRevocations, type Revocation } from './revocation.js';
import { keyValidityAt, type KeyValidity } from './key-window.js';
import { parseDetachedSignature, type ParsedSignature } from './signature-file.js';

export type { CandidateProblem } from './key-history.js';

/** Default tolerance for clocks that run ahead: a signature may claim to be this far in the future. */
export const DEFAULT_MAX_SKEW_MS = 5 * 60 * 1000;

export interface VerifyOptions {
  /** The reference time (the auditor's `--now`). */
  now: Date;
  maxSkewMs?: number;
  /** A trusted time for the signature (the verified RFC 3161 genTime); key validity is judged there. */
  trustedTime?: Date;
}

export interface SignatureVerification {
  ok: boolean;
  code: SigningCode;
  message: string;
  /** Primary fingerprint of the key that made the signature: what the policy pins. */
  primaryFingerprint?: string;
  /** Fingerprint of the (sub)key that made it; equals primaryFingerprint when the primary signed. */
  signingKeyFingerprint?: string;
  /** The creation time the signature claims. */
  created?: Date;
  /** When key validity was judged: the trusted time if given, else `created`. */
  judgedAt?: Date;
  hashAlgorithm?: string;
  publicKeyAlgorithm?: string;
  keyBits?: number;
  curve?: string;
  issuerFingerprints: string[];
  issuerKeyIds: string[];
  /** Sources of the candidate key copies that were used (merged when several carry one key). */
  keySources: string[];
  /** The signing key's validity window at the time it was judged (for reports; the checks decide). */
  keyValidity?: KeyValidity;
  /** The revocation that made the key invalid, when that is the failure. */
  revocation?: Revocation;
  /** Candidate keys that could not be used, and why (never fatal by themselves). */
  candidateProblems: CandidateProblem[];
  /**
   * Key validity had to be judged with a self-signature made after the signature (no copy
   * held one from before it, as after a renewal when only the fresh copy is known).
   */
  judgedWithLaterSelfSignature?: boolean;
}

/** A full configuration: low-level OpenPGP.js calls take the whole object, not a partial one. */
function verificationConfig(): openpgp.Config {
  return { ...openpgp.config, minRSABits: 2048 };
}

export async function verifyDetachedSignature(
  data: Uint8Array,
  signature: string | Uint8Array,
  candidateKeys: KeyMaterial[],
  options: VerifyOptions,
): Promise<SignatureVerification> {
  const result: SignatureVerification = {
    ok: false,
    code: SigningCode.SIGNATURE_PACKET_MALFORMED,
    message: '',
    issuerFingerprints: [],
    issuerKeyIds: [],
    keySources: [],
    candidateProblems: [],
  };
  const failWith = (code: SigningCode, message: string): SignatureVerification => {
    result.ok = false;
    result.code = code;
    result.message = message;
    return result;
  };

  let parsed: ParsedSignature;
  try {
    parsed = await parseDetachedSignature(signature);
  } catch (error) {
    if (error instanceof SignatureFormatError) return failWith(error.code, error.message);
    throw error;
  }
  const sig = parsed.packet;
  result.issuerFingerprints = parsed.issuerFingerprints;
  result.issuerKeyIds = parsed.issuerKeyIds;
  const hashId = sig.hashAlgorithm ?? 0;
  const algorithmId = sig.publicKeyAlgorithm ?? 0;
  result.hashAlgorithm = hashAlgorithmName(hashId);
  result.publicKeyAlgorithm = publicKeyAlgorithmName(algorithmId);
  if (sig.created === null) return failWith(SigningCode.SIGNATURE_PACKET_MALFORMED, 'the signature has no creation time');
  const created = sig.created;
  result.created = created;

  try {
    checkHashAlgorithm(hashId);
    checkSignatureAlgorithmId(algorithmId);
  } catch (error) {
    if (error instanceof KeyRuleError) return failWith(error.code, error.message);
    throw error;
  }
  const unsupported = unsupportedFeature(sig);
  if (unsupported !== undefined) return failWith(unsupported.code, unsupported.message);

  const skew = options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (created.getTime() > options.now.getTime() + skew) {
    return failWith(SigningCode.SIGNATURE_FROM_FUTURE, `the signature claims to be made at ${formatRfc3339(created)}, after the reference time ${formatRfc3339(options.now)}`);
  }
  if (options.trustedTime !== undefined && created.getTime() > options.trustedTime.getTime() + skew) {
    return failWith(SigningCode.SIGNATURE_AFTER_TIMESTAMP, `the signature claims to be made at ${formatRfc3339(created)}, after its trusted time-stamp ${formatRfc3339(options.trustedTime)}`);
  }
  const judgedAt = options.trustedTime ?? created;
  result.judgedAt = judgedAt;
  // RFC 4880 section 5.2.3.10: a signature with an expiration time is invalid after it.
  if (sig.isExpired(options.trustedTime ?? options.now) && sig.created <= (options.trustedTime ?? options.now)) {
    return failWith(SigningCode.SIGNATURE_EXPIRED, 'the signature has passed the expiration time it carries');
  }

  const keys = await loadCandidates(candidateKeys, result.candidateProblems, verificationConfig());
  const matches = findIssuer(keys, parsed);
  if (matches.length === 0) {
    const named = parsed.issuerFingerprints[0] ?? parsed.issuerKeyIds[0] ?? '?';
    // A key refused for its curve gets that code: the signer's key is known, just not accepted.
    const curve = result.candidateProblems.find((problem) => problem.code === SigningCode.UNSUPPORTED_CURVE);
    if (curve !== undefined) return failWith(SigningCode.UNSUPPORTED_CURVE, `no usable candidate key for the signature's issuer ${named}: ${curve.message}`);
    const refused = result.candidateProblems.map((problem) => problem.message).join('; ');
    return failWith(SigningCode.UNKNOWN_KEY, `no candidate key matches the signature's issuer ${named}${refused === '' ? '' : ` (refused: ${refused})`}`);
  }

  let firstFailure: SignatureVerification | undefined;
  for (const match of matches) {
    const attempt = await verifyWithKey(data, sig, match, judgedAt, { ...result, candidateProblems: result.candidateProblems });
    if (attempt.ok) return attempt;
    firstFailure ??= attempt;
  }
  return firstFailure as SignatureVerification;
}

function checkSignatureAlgorithmId(id: number): void {
  const { publicKey } = openpgp.enums;
  if (id === publicKey.rsaEncryptSign || id === publicKey.rsaSign || id === publicKey.eddsaLegacy || id === publicKey.ecdsa) return;
  const name = publicKeyAlgorithmName(id);
  if (id === publicKey.dsa || id === publicKey.elgamal) {
    throw new KeyRuleError(SigningCode.WEAK_PUBLIC_KEY_ALGORITHM, `the signature is made with ${name}, which is not accepted`);
  }
  throw new KeyRuleError(SigningCode.UNSUPPORTED_PUBLIC_KEY_ALGORITHM, `the signature is made with ${name}; only RSA, Ed25519 (legacy EdDSA) and ECDSA are accepted`);
}

/**
 * RFC 4880 section 5.2.3.1 and 5.2.3.16: a critical subpacket or notation the verifier does not
 * understand makes the signature unusable. Named here, before any cryptography, with its own code
 * (OpenPGP.js would throw it from inside the signature check, where it looks like a mismatch).
 */
function unsupportedFeature(sig: openpgp.SignaturePacket): { code: SigningCode; message: string } | undefined {
  const notation = sig.rawNotations.find((n) => n.critical);
  if (notation !== undefined) {
    const name = notation.name.length > 80 ? `${notation.name.slice(0, 80)}…` : notation.name;
    return { code: SigningCode.SIGNATURE_UNKNOWN_CRITICAL_NOTATION, message: `the signature carries a critical notation "${name}" that this verifier does not understand` };
  }
  const subpacket = sig.unknownSubpackets.find((p) => p.critical);
  if (subpacket !== undefined) {
    return { code: SigningCode.SIGNATURE_UNKNOWN_CRITICAL_SUBPACKET, message: `the signature carries a critical subpacket of type ${subpacket.type} that this verifier does not understand` };
  }
  if (sig.revocationKeyClass !== null && sig.revocationKeyClass !== undefined) {
    return { code: SigningCode.SIGNATURE_UNKNOWN_CRITICAL_SUBPACKET, message: 'the signature names a designated revoker, which this verifier does not support' };
  }
  return undefined;
}

interface IssuerMatch {
  candidate: CandidateKey;
  subkey: openpgp.Subkey | undefined;
  signingPacket: openpgp.PublicKeyPacket | openpgp.PublicSubkeyPacket;
}

/** The issuer fingerprint decides when present; the 64-bit key id only when it is all we have. */
function findIssuer(candidates: CandidateKey[], parsed: ParsedSignature): IssuerMatch[] {
  const wantedFingerprint = parsed.issuerFingerprints[0];
  const wantedKeyId = parsed.issuerKeyIds[0];
  const matches: IssuerMatch[] = [];
  for (const candidate of candidates) {
    const packets: { subkey: openpgp.Subkey | undefined; packet: openpgp.PublicKeyPacket | openpgp.PublicSubkeyPacket }[] = [
      { subkey: undefined, packet: candidate.key.keyPacket as openpgp.PublicKeyPacket },
      ...candidate.key.subkeys.map((subkey) => ({ subkey, packet: subkey.keyPacket as openpgp.PublicSubkeyPacket })),
    ];
    for (const { subkey, packet } of packets) {
      const hit =
        wantedFingerprint !== undefined
          ? packet.getFingerprint().toUpperCase() === wantedFingerprint
          : packet.getKeyID().toHex().toUpperCase() === wantedKeyId;
      if (hit) matches.push({ candidate, subkey, signingPacket: packet });
    }
  }
  return matches;
}

async function verifyWithKey(
  data: Uint8Array,
  sig: openpgp.SignaturePacket,
  match: IssuerMatch,
  judgedAt: Date,
  base: SignatureVerification,
): Promise<SignatureVerification> {
  const { key } = match.candidate;
  const result: SignatureVerification = {
    ...base,
    primaryFingerprint: primaryFingerprint(key),
    signingKeyFingerprint: match.signingPacket.getFingerprint().toUpperCase(),
    keySources: match.candidate.sources,
  };
  const algorithm = describeKeyAlgorithm(match.signingPacket);
  result.publicKeyAlgorithm = algorithm.publicKeyAlgorithm;
  if (algorithm.keyBits !== undefined) result.keyBits = algorithm.keyBits;
  if (algorithm.curve !== undefined) result.curve = algorithm.curve;
  const failWith = (code: SigningCode, message: string): SignatureVerification => ({ ...result, ok: false, code, message });
  const config = verificationConfig();

  try {
    checkSigningAlgorithm(algorithm, 'the signing key');
    if (match.subkey !== undefined) checkSigningAlgorithm(describeKeyAlgorithm(key.keyPacket), 'the primary key');
    checkHashForCurve(sig.hashAlgorithm ?? 0, algorithm);
  } catch (error) {
    if (error instanceof KeyRuleError) return failWith(error.code, error.message);
    throw error;
  }

  // The cryptographic check over the exact bytes (RFC 4880 section 5.2.4); time rules come next,
  // explicitly, so a `null` date here turns off OpenPGP.js's own time checks.
  const literal = new openpgp.LiteralDataPacket();
  // setBytes is public in OpenPGP.js but marked private in its type declarations.
  (literal as unknown as { setBytes(bytes: Uint8Array, format: openpgp.enums.literal): void }).setBytes(data, openpgp.enums.literal.binary);
  try {
    await sig.verify(match.signingPacket, openpgp.enums.signature.binary, literal, null as unknown as Date, true, config);
  } catch (error) {
    return failWith(SigningCode.SIGNATURE_MISMATCH, `the signature does not verify over these bytes with key ${result.signingKeyFingerprint} (${errorText(error)})`);
  }

  const primaryAt = selfSignatureDate([...directSignatures(key), ...key.users.flatMap((user) => user.selfCertifications)], judgedAt);
  const subkeyAt = match.subkey === undefined ? primaryAt : selfSignatureDate(match.subkey.bindingSignatures, judgedAt);
  const validity = await keyValidityAt(key, match.subkey, primaryAt, subkeyAt, config);
  if (validity !== undefined) result.keyValidity = validity;

  const created = sig.created as Date;
  if (match.signingPacket.created > created || key.keyPacket.created > judgedAt || match.signingPacket.created > judgedAt) {
    return failWith(SigningCode.KEY_NEWER_THAN_SIGNATURE, 'the signing key was created after the signature claims to be made');
  }

  const revocations = await findRevocations(key, match.subkey, config);
  const hard = revocations.find((revocation) => revocation.hard);
  if (hard !== undefined) {
    return { ...failWith(SigningCode.KEY_REVOKED, `the ${hard.scope} was revoked (${hard.reason}); a hard revocation invalidates every signature it made`), revocation: hard };
  }
  const soft = revocations.find((revocation) => revocation.created <= judgedAt);
  if (soft !== undefined) {
    return {
      ...failWith(SigningCode.KEY_REVOKED_BEFORE_SIGNING, `the ${soft.scope} was retired (${soft.reason}) at ${formatRfc3339(soft.created)}, before this signature (${formatRfc3339(judgedAt)})`),
      revocation: soft,
    };
  }

  const signingAt = primaryAt > subkeyAt ? primaryAt : subkeyAt;
  if (signingAt > judgedAt) result.judgedWithLaterSelfSignature = true;
  try {
    await key.verifyPrimaryKey(primaryAt, undefined, config);
  } catch (error) {
    const text = errorText(error);
    if (/expired/i.test(text)) return failWith(SigningCode.KEY_EXPIRED, `the primary key had expired at ${formatRfc3339(judgedAt)}`);
    return failWith(SigningCode.KEY_NOT_VALID_FOR_SIGNING, `the primary key was not valid at ${formatRfc3339(judgedAt)} (${text})`);
  }
  if (match.subkey !== undefined) {
    try {
      await match.subkey.verify(subkeyAt, config);
    } catch (error) {
      const text = errorText(error);
      if (/expired/i.test(text)) return failWith(SigningCode.SUBKEY_EXPIRED, `the signing subkey had expired at ${formatRfc3339(judgedAt)}`);
      return failWith(SigningCode.KEY_NOT_VALID_FOR_SIGNING, `the signing subkey was not valid at ${formatRfc3339(judgedAt)} (${text})`);
    }
  }
  try {
    const signing = await key.getSigningKey(match.signingPacket.getKeyID(), signingAt, undefined, config);
    if (signing.getFingerprint().toUpperCase() !== result.signingKeyFingerprint) throw new Error('another key was selected');
  } catch (error) {
    return failWith(SigningCode.KEY_NOT_VALID_FOR_SIGNING, `the key is not certified for signing at ${formatRfc3339(judgedAt)} (${errorText(error)})`);
  }

  return { ...result, ok: true, code: SigningCode.OK, message: `good signature by ${result.primaryFingerprint}` };
}

/**
 * The packet stores a signature as `signatures/<FPR>.asc`, FPR the primary fingerprint in
 * upper-case hex. A file renamed to another fingerprint must not be counted under that name.
 */
export function checkSignatureFileName(name: string, verification: Pick<SignatureVerification, 'primaryFingerprint'>): { ok: boolean; code: SigningCode; message: string } {
  const file = basename(name);
  const match = /^([0-9A-F]{40})\.asc$/.exec(file);
  if (match === null) {
    return { ok: false, code: SigningCode.SIGNATURE_FILE_NAME_INVALID, message: `${name}: a signature file must be named <40 upper-case hex fingerprint>.asc` };
  }
  if (verification.primaryFingerprint === undefined || match[1] !== verification.primaryFingerprint) {
    return {
      ok: false,
      code: SigningCode.SIGNATURE_FILE_NAME_MISMATCH,
      message: `${name}: named for ${match[1]} but made by ${verification.primaryFingerprint ?? 'an unidentified key'}`,
    };
  }
  return { ok: true, code: SigningCode.OK, message: `${name} is named for its signer` };
}

/** `keys/<FPR>.asc` must hold exactly the key its name promises. */
export async function checkKeyFileName(name: string, armored: string): Promise<{ ok: boolean; code: SigningCode; message: string; fingerprint?: string }> {
  const file = basename(name);
  const match = /^([0-9A-F]{40})\.asc$/.exec(file);
  let key: openpgp.PublicKey;
  try {
    key = await readPublicKey({ source: name, armored });
  } catch (error) {
    const code = error instanceof KeyRuleError ? error.code : SigningCode.KEY_MALFORMED;
    return { ok: false, code, message: errorText(error) };
  }
  const fingerprint = primaryFingerprint(key);
  if (match === null || match[1] !== fingerprint) {
    return { ok: false, code: SigningCode.KEY_FILE_NAME_MISMATCH, message: `${name}: holds key ${fingerprint}, not the key its name promises`, fingerprint };
  }
  return { ok: true, code: SigningCode.OK, message: `${name} holds key ${fingerprint}`, fingerprint };
}
