import type { CertInfo } from './certs.js';
import { certificateHash } from './certs.js';
import { TAG, childrenOf, contentOf, encodingOf, equalBytes, expectTag, parseStrictDer, readNode } from './der.js';
import { TimestampError } from './errors.js';
import { OID, hashForOid, type HashName } from './oids.js';
import { readAlgorithm, type ParsedTimeStamp } from './token.js';

export function single(values: Uint8Array[] | undefined, code: string, what: string): Uint8Array {
  if (values === undefined) throw new TimestampError(code, `the ${what} attribute is missing`);
  if (values.length !== 1) throw new TimestampError('SIGNED_ATTRS_INVALID', `the ${what} attribute must have one value`);
  return values[0]!;
}

/**
 * RFC 3161 sec. 2.4.1 requires an ESS signing-certificate attribute; RFC 2634 sec. 5.4 (v1,
 * SHA-1) and RFC 5035 sec. 3 (v2): the first ESSCertID names the signer certificate by hash,
 * and by issuer and serial when present.
 */
export function checkEss(parsed: ParsedTimeStamp, signer: CertInfo): string {
  const attrs = parsed.signer.attributes;
  const v2 = attrs.get(OID.signingCertificateV2);
  const v1 = attrs.get(OID.signingCertificate);
  if (v2 === undefined && v1 === undefined) throw new TimestampError('ESS_MISSING', 'no ESS signing-certificate attribute (v1 or v2)');
  const value = single(v2 ?? v1, 'ESS_MISSING', 'signing-certificate');
  let hash: HashName = v2 === undefined ? 'sha1' : 'sha256';
  let certHash: Uint8Array;
  let issuerSerial: Uint8Array | undefined;
  try {
    const root = parseStrictDer(value);
    const certs = childrenOf(value, expectTag(childrenOf(value, expectTag(root, TAG.SEQUENCE, 'SigningCertificate'))[0], TAG.SEQUENCE, 'certs'));
    const fields = childrenOf(value, expectTag(certs[0], TAG.SEQUENCE, 'ESSCertID'));
    let index = 0;
    if (v2 !== undefined && fields[0]?.tag === TAG.SEQUENCE) {
      const algorithm = readAlgorithm(value, fields[0], 'hashAlgorithm');
      const named = hashForOid(algorithm.oid);
      if (named === undefined) throw new TimestampError('UNSUPPORTED_HASH', `ESS hash ${algorithm.oid} is not supported`);
      hash = named;
      index = 1;
    }
    certHash = contentOf(value, expectTag(fields[index], TAG.OCTET_STRING, 'certHash'));
    if (fields[index + 1] !== undefined) issuerSerial = encodingOf(value, expectTag(fields[index + 1], TAG.SEQUENCE, 'issuerSerial'));
  } catch (error) {
    if (error instanceof TimestampError && error.code === 'UNSUPPORTED_HASH') throw error;
    throw new TimestampError('ESS_MALFORMED', 'the ESS signing-certificate attribute is malformed', { cause: error });
  }
  if (!equalBytes(certHash, certificateHash(signer, hash))) {
    throw new TimestampError('ESS_CERT_HASH_MISMATCH', `the ESS ${hash} certificate hash does not match the signer certificate`);
  }
  if (issuerSerial !== undefined) checkIssuerSerial(issuerSerial, signer);
  return `ESS signing-certificate ${v2 === undefined ? 'v1' : 'v2'} (${hash}) matches the signer certificate`;
}

/** IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber } (RFC 5035 sec. 4). */
function checkIssuerSerial(encoded: Uint8Array, signer: CertInfo): void {
  let matches = false;
  try {
    const [names, serial] = childrenOf(encoded, readNode(encoded, 0));
    const serialBytes = contentOf(encoded, expectTag(serial, TAG.INTEGER, 'serialNumber'));
    const directoryNames = childrenOf(encoded, expectTag(names, TAG.SEQUENCE, 'GeneralNames')).filter((name) => name.tag === 0xa4);
    matches =
      equalBytes(serialBytes, signer.serial) &&
      directoryNames.some((name) => {
        const inner = childrenOf(encoded, name)[0];
        return inner !== undefined && equalBytes(encodingOf(encoded, inner), signer.issuerDer);
      });
  } catch (error) {
    throw new TimestampError('ESS_MALFORMED', 'the ESS issuerSerial is malformed', { cause: error });
  }
  if (!matches) throw new TimestampError('ESS_ISSUER_SERIAL_MISMATCH', 'the ESS issuerSerial does not name the signer certificate');
}

/**
 * Whether the ESS attribute names `cert` (hash only, no signature): how the signer is chosen among
 * candidates that share its issuer and serial, so a token stuffed with look-alikes costs hashes,
 * not signature verifications.
 */
export function essNamesCertificate(parsed: ParsedTimeStamp, cert: CertInfo): boolean {
  try {
    checkEss(parsed, cert);
    return true;
  } catch {
    return false;
  }
}
