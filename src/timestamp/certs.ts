import { X509Certificate, createHash } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, ExtendedKeyUsage } from '@peculiar/asn1-x509';
import { TAG, childrenOf, contentOf, copy, encodingOf, equalBytes, expectTag, parseStrictDer, readNode } from './der.js';
import { TimestampError } from './errors.js';
import { OID, type HashName } from './oids.js';

/** A parsed certificate: exact DER, node's X509 view, and the fields our checks need. */
export interface CertInfo {
  der: Uint8Array;
  x509: X509Certificate;
  subject: string;
  /** DER of the issuer Name and the serial's content octets, exactly as encoded. */
  issuerDer: Uint8Array;
  subjectDer: Uint8Array;
  serial: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  extensions: { oid: string; critical: boolean; value: Uint8Array }[];
  /** OID of the algorithm the issuer signed this certificate with. */
  signatureAlgorithm: string;
  /** RSA modulus size in bits, for RSA keys. */
  rsaBits?: number;
}

const MAX_CERTIFICATE_BYTES = 64 * 1024;
/**
 * RSA keys outside these bounds are refused before any signature is checked with them: a huge
 * public exponent (or modulus) makes each verification slow, and certificates in a token are not
 * covered by the TSA's signature, so anyone can add them. FIPS 186-5 sec. A.1.1 caps e below 2^256;
 * no real CA uses more than 2^32 (65537 almost always).
 */
export const MAX_RSA_EXPONENT = 2n ** 32n;
export const MAX_RSA_BITS = 8192;
const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----/g;

/**
 * Read certificates from a PEM bundle (any number of CERTIFICATE blocks) or from DER (one or
 * more concatenated certificates). Throws TimestampError CERT_MALFORMED when nothing usable is found.
 */
export function loadCertificates(pemOrDer: Uint8Array | string): Uint8Array[] {
  const bytes = typeof pemOrDer === 'string' ? new TextEncoder().encode(pemOrDer) : pemOrDer;
  if (bytes.length > 4 * 1024 * 1024) throw new TimestampError('CERT_MALFORMED', 'certificate file larger than 4 MiB');
  const certificates: Uint8Array[] = [];
  if (bytes[0] === TAG.SEQUENCE) {
    let offset = 0;
    try {
      while (offset < bytes.length) {
        const node = readNode(bytes, offset);
        certificates.push(copy(bytes.subarray(node.start, node.end)));
        offset = node.end;
      }
    } catch (error) {
      throw new TimestampError('CERT_MALFORMED', 'the DER certificate data is malformed', { cause: error });
    }
  } else {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
    for (const match of text.matchAll(PEM_BLOCK)) certificates.push(new Uint8Array(Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64')));
  }
  if (certificates.length === 0) throw new TimestampError('CERT_MALFORMED', 'no certificate found (expected PEM CERTIFICATE blocks or DER)');
  for (const der of certificates) parseCertificate(der);
  return certificates;
}

export function parseCertificate(der: Uint8Array): CertInfo {
  if (der.length > MAX_CERTIFICATE_BYTES) throw new TimestampError('CERT_MALFORMED', 'certificate larger than 64 KiB');
  try {
    const root = parseStrictDer(der);
    const tbs = childrenOf(der, expectTag(childrenOf(der, root)[0], TAG.SEQUENCE, 'tbsCertificate'));
    const offset = tbs[0]?.tag === 0xa0 ? 1 : 0;
    const serial = copy(contentOf(der, expectTag(tbs[offset], TAG.INTEGER, 'serialNumber')));
    const issuerDer = copy(encodingOf(der, expectTag(tbs[offset + 2], TAG.SEQUENCE, 'issuer')));
    const subjectDer = copy(encodingOf(der, expectTag(tbs[offset + 4], TAG.SEQUENCE, 'subject')));
    const parsed = AsnConvert.parse(der, Certificate);
    const x509 = new X509Certificate(der);
    const validity = parsed.tbsCertificate.validity;
    const rsaBits = x509.publicKey.asymmetricKeyDetails?.modulusLength;
    return {
      der,
      x509,
      subject: x509.subject.replace(/\n/g, ', '),
      issuerDer,
      subjectDer,
      serial,
      notBefore: validity.notBefore.getTime(),
      notAfter: validity.notAfter.getTime(),
      extensions: (parsed.tbsCertificate.extensions ?? []).map((ext) => ({
        oid: ext.extnID,
        critical: ext.critical,
        value: new Uint8Array(ext.extnValue.buffer),
      })),
      signatureAlgorithm: parsed.signatureAlgorithm.algorithm,
      ...(rsaBits === undefined || !x509.publicKey.asymmetricKeyType?.startsWith('rsa') ? {} : { rsaBits }),
    };
  } catch (error) {
    if (error instanceof TimestampError) throw error;
    throw new TimestampError('CERT_MALFORMED', 'a certificate is not valid DER X.509', { cause: error });
  }
}

/** Refuse RSA keys whose exponent or modulus would make verification expensive (before any is used). */
export function checkKeyBounds(cert: CertInfo): void {
  const key = cert.x509.publicKey;
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') return;
  const { modulusLength, publicExponent } = key.asymmetricKeyDetails ?? {};
  if (publicExponent === undefined || publicExponent > MAX_RSA_EXPONENT || publicExponent < 3n) {
    throw new TimestampError('CERT_KEY_OUT_OF_BOUNDS', `RSA public exponent ${publicExponent ?? '?'} is outside 3..2^32`);
  }
  if (modulusLength === undefined || modulusLength > MAX_RSA_BITS) {
    throw new TimestampError('CERT_KEY_OUT_OF_BOUNDS', `RSA modulus of ${modulusLength ?? '?'} bits is larger than ${MAX_RSA_BITS}`);
  }
}

export function certificateHash(cert: CertInfo, hash: HashName): Uint8Array {
  return new Uint8Array(createHash(hash).update(cert.der).digest());
}

/** The extended key usage purposes and whether the extension is critical; undefined when absent. */
export function extendedKeyUsage(cert: CertInfo): { critical: boolean; purposes: string[] } | undefined {
  const ext = cert.extensions.find((e) => e.oid === OID.extKeyUsage);
  if (ext === undefined) return undefined;
  try {
    return { critical: ext.critical, purposes: [...AsnConvert.parse(ext.value, ExtendedKeyUsage)] };
  } catch (error) {
    throw new TimestampError('EKU_MALFORMED', 'the extended key usage extension is malformed', { cause: error });
  }
}

/**
 * True when `issuer` issued `cert`: names match and the signature verifies. Names match by exact
 * bytes or by OpenSSL's comparison (which also consults key identifiers and refuses an issuer whose
 * key usage lacks keyCertSign; the path checks report that with its own code).
 */
export function isIssuedBy(cert: CertInfo, issuer: CertInfo): boolean {
  try {
    const named = equalBytes(cert.issuerDer, issuer.subjectDer) || cert.x509.checkIssued(issuer.x509);
    return named && cert.x509.verify(issuer.x509.publicKey);
  } catch {
    return false;
  }
}

export interface TrustAnchor {
  name: string;
  cert: CertInfo;
}

export interface ChainResult {
  /** Leaf first; the anchor last (unless the leaf itself is the anchor). */
  chain: CertInfo[];
  anchor: TrustAnchor;
}

const MAX_CHAIN_LENGTH = 8;
/** Certificates considered as intermediates: real tokens carry a handful; a hostile one may carry hundreds. */
export const MAX_CHAIN_CANDIDATES = 16;

/**
 * Build a path from `leaf` to a trusted anchor (RFC 5280 sec. 6, path building). Each link is
 * checked by name and signature; `candidates` (certificates carried in the token) can only be
 * intermediates. An anchor is reached only by byte equality or by its key verifying the
 * signature of the last certificate: never by subject name alone.
 *
 * Breadth first, and each candidate is explored at most once, so a token stuffed with
 * certificates that all "issue" each other costs at most candidates² signature checks, not an
 * exponential search.
 */
export function buildChain(leaf: CertInfo, candidates: CertInfo[], anchors: TrustAnchor[]): ChainResult | undefined {
  const pool = candidates.slice(0, MAX_CHAIN_CANDIDATES);
  const id = (cert: CertInfo): string => Buffer.from(cert.der).toString('base64');
  const seen = new Set<string>([id(leaf)]);
  const queue: CertInfo[][] = [[leaf]];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const path = next;
    const current = path[path.length - 1]!;
    for (const anchor of anchors) {
      if (anchor.cert.der.length === current.der.length && Buffer.from(anchor.cert.der).equals(current.der)) {
        return { chain: path, anchor };
      }
      if (isIssuedBy(current, anchor.cert)) return { chain: [...path, anchor.cert], anchor };
    }
    if (path.length >= MAX_CHAIN_LENGTH) continue;
    for (const candidate of pool) {
      if (seen.has(id(candidate)) || !isIssuedBy(current, candidate)) continue;
      seen.add(id(candidate));
      queue.push([...path, candidate]);
    }
  }
  return undefined;
}
