/**
 * RFC 5280 sec. 6.1 checks on a TSA certificate path once it is built (leaf first, trust anchor
 * last), and the algorithm rules of this project: what `openssl ts -verify` enforces, plus
 * refusing SHA-1 and MD5 signatures and RSA keys under 2048 bits.
 *
 * Name constraints (sec. 4.2.1.10) are not evaluated: a path in which any certificate carries them
 * is refused with NAME_CONSTRAINTS_UNSUPPORTED (a clear refusal, never a silent pass).
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { BasicConstraints, KeyUsage, KeyUsageFlags } from '@peculiar/asn1-x509';
import type { CertInfo } from './certs.js';
import { equalBytes } from './der.js';
import { TimestampError } from './errors.js';
import { OID } from './oids.js';
import { plural } from '../core/plural.js';

/** Extensions whose meaning we process (or, for the last two, that carry no constraint we must enforce). */
const UNDERSTOOD_EXTENSIONS = new Set<string>([
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  OID.nameConstraints, // refused separately with its own code
  OID.subjectAltName, // critical when the subject is empty (sec. 4.2.1.6); names are not matched
  OID.certificatePolicies, // no policy is required by the verifier (initial-policy-set anyPolicy)
]);

/** Signature algorithms refused in certificates and in the CMS signature: MD2, MD4, MD5 and SHA-1 based. */
export const WEAK_SIGNATURE_ALGORITHMS = new Map<string, string>([
  ['1.2.840.113549.1.1.2', 'md2WithRSAEncryption'],
  ['1.2.840.113549.1.1.3', 'md4WithRSAEncryption'],
  ['1.2.840.113549.1.1.4', 'md5WithRSAEncryption'],
  ['1.2.840.113549.1.1.5', 'sha1WithRSAEncryption'],
  ['1.3.14.3.2.29', 'sha1WithRSASignature (OIW)'],
  ['1.2.840.10045.4.1', 'ecdsa-with-SHA1'],
  ['1.2.840.10040.4.3', 'dsa-with-sha1'],
]);

/** Digest algorithms refused in the CMS SignerInfo. */
export const WEAK_DIGEST_ALGORITHMS = new Map<string, string>([
  ['1.2.840.113549.2.2', 'MD2'],
  ['1.2.840.113549.2.4', 'MD4'],
  ['1.2.840.113549.2.5', 'MD5'],
  [OID.sha1, 'SHA-1'],
]);

export const MIN_RSA_BITS = 2048;

/**
 * Checks on the TSA certificate alone, cheap: no unknown critical extension, key usage (when
 * present) allows digitalSignature and nothing beyond nonRepudiation (RFC 5280 sec. 4.2.1.3),
 * not signed with a weak algorithm, RSA of at least 2048 bits.
 */
export function checkLeaf(leaf: CertInfo): string {
  checkCriticalExtensions(leaf);
  const usage = keyUsage(leaf);
  // As OpenSSL's timestamping purpose: nothing but digitalSignature and nonRepudiation; and
  // digitalSignature itself, since the TSA signs tokens with this key.
  const allowed = KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation;
  if (usage !== undefined && ((usage & KeyUsageFlags.digitalSignature) === 0 || (usage & ~allowed) !== 0)) {
    throw new TimestampError('TSA_KEY_USAGE', `the TSA certificate's key usage must allow digitalSignature and nothing but digitalSignature and nonRepudiation`);
  }
  checkKeySize(leaf);
  const weak = WEAK_SIGNATURE_ALGORITHMS.get(leaf.signatureAlgorithm);
  if (weak !== undefined) throw new TimestampError('CERT_WEAK_SIGNATURE_ALGORITHM', `${leaf.subject} is signed with ${weak}, which is refused`);
  return usage === undefined ? 'no key usage extension; no unknown critical extension' : 'key usage allows digitalSignature; no unknown critical extension';
}

/**
 * RFC 5280 sec. 6.1.3-6.1.4 on a built path: every issuer is a CA whose key usage (when present)
 * allows keyCertSign and whose pathLenConstraint is not exceeded; no certificate carries an
 * unknown critical extension or name constraints; no certificate below the anchor is signed with
 * a weak algorithm (the anchor's self-signature proves nothing and is not judged, as in RFC 5280
 * sec. 6.1.1 and OpenSSL); no RSA key under 2048 bits anywhere.
 */
export function checkPath(chain: CertInfo[]): string {
  chain.forEach((cert, index) => {
    checkCriticalExtensions(cert);
    if (cert.extensions.some((ext) => ext.oid === OID.nameConstraints)) {
      throw new TimestampError('NAME_CONSTRAINTS_UNSUPPORTED', `${cert.subject} carries name constraints, which this verifier does not evaluate; such a path is refused`);
    }
    checkKeySize(cert);
    if (index < chain.length - 1) {
      const weak = WEAK_SIGNATURE_ALGORITHMS.get(cert.signatureAlgorithm);
      if (weak !== undefined) throw new TimestampError('CERT_WEAK_SIGNATURE_ALGORITHM', `${cert.subject} is signed with ${weak}, which is refused`);
    }
    if (index === 0) return;
    const constraints = basicConstraints(cert);
    if (constraints?.cA !== true) throw new TimestampError('ISSUER_NOT_CA', `issuer ${cert.subject} is not a CA (basicConstraints)`);
    const usage = keyUsage(cert);
    if (usage !== undefined && (usage & KeyUsageFlags.keyCertSign) === 0) {
      throw new TimestampError('ISSUER_KEY_USAGE', `issuer ${cert.subject}'s key usage does not allow keyCertSign`);
    }
    // Intermediates between this issuer and the leaf; self-issued ones do not count (sec. 6.1.4 (l)).
    const below = chain.slice(1, index).filter((c) => !isSelfIssued(c)).length;
    const limit = constraints.pathLenConstraint;
    if (limit !== undefined && below > limit) {
      throw new TimestampError('PATH_LENGTH_EXCEEDED', `${cert.subject} allows ${plural(limit, 'intermediate CA', 'intermediate CAs')} below it, the path has ${below}`);
    }
  });
  return `path of ${chain.length}: basic constraints, key usage, path length, critical extensions and algorithms hold`;
}

function checkCriticalExtensions(cert: CertInfo): void {
  const unknown = cert.extensions.find((ext) => ext.critical && !UNDERSTOOD_EXTENSIONS.has(ext.oid));
  if (unknown !== undefined) {
    throw new TimestampError('CERT_UNKNOWN_CRITICAL_EXTENSION', `${cert.subject} has a critical extension this verifier does not process: ${unknown.oid}`);
  }
}

function checkKeySize(cert: CertInfo): void {
  if (cert.rsaBits !== undefined && cert.rsaBits < MIN_RSA_BITS) {
    throw new TimestampError('WEAK_KEY', `${cert.subject} has an RSA key of ${cert.rsaBits} bits; at least ${MIN_RSA_BITS} are required`);
  }
}

function isSelfIssued(cert: CertInfo): boolean {
  return equalBytes(cert.issuerDer, cert.subjectDer);
}

function basicConstraints(cert: CertInfo): BasicConstraints | undefined {
  const ext = cert.extensions.find((e) => e.oid === OID.basicConstraints);
  if (ext === undefined) return undefined;
  try {
    return AsnConvert.parse(ext.value, BasicConstraints);
  } catch (error) {
    throw new TimestampError('CERT_EXTENSION_MALFORMED', `${cert.subject}'s basic constraints are malformed`, { cause: error });
  }
}

function keyUsage(cert: CertInfo): number | undefined {
  const ext = cert.extensions.find((e) => e.oid === OID.keyUsage);
  if (ext === undefined) return undefined;
  try {
    return AsnConvert.parse(ext.value, KeyUsage).toNumber();
  } catch (error) {
    throw new TimestampError('CERT_EXTENSION_MALFORMED', `${cert.subject}'s key usage is malformed`, { cause: error });
  }
}
