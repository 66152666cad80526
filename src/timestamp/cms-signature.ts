import { constants, createHash, verify as cryptoVerify } from 'node:crypto';
import { TAG, childrenOf, contentOf, decodeOid, expectTag, parseStrictDer } from './der.js';
import { TimestampError } from './errors.js';
import { OID, hashForOid, type HashName } from './oids.js';
import { readAlgorithm, type AlgorithmId } from './token.js';
import type { CertInfo } from './certs.js';

const HASH_OF_SIGNATURE: Record<string, HashName> = {
  [OID.sha1WithRsa]: 'sha1',
  [OID.sha256WithRsa]: 'sha256',
  [OID.sha384WithRsa]: 'sha384',
  [OID.sha512WithRsa]: 'sha512',
  [OID.ecdsaWithSha256]: 'sha256',
  [OID.ecdsaWithSha384]: 'sha384',
  [OID.ecdsaWithSha512]: 'sha512',
};

export function digest(hash: HashName, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(hash).update(data).digest());
}

/**
 * Verify a CMS signature value over `signed` (the DER SET OF signed attributes, RFC 5652
 * sec. 5.4) with the signer certificate's key. Supports RSA PKCS#1 v1.5, RSASSA-PSS
 * (RFC 4055 sec. 3.1 parameters) and ECDSA; returns false for a wrong signature and throws
 * UNSUPPORTED_SIGNATURE_ALGORITHM for anything else.
 */
export function verifyCmsSignature(
  signed: Uint8Array,
  signature: Uint8Array,
  signatureAlgorithm: AlgorithmId,
  digestAlgorithm: AlgorithmId,
  signer: CertInfo,
): boolean {
  const key = signer.x509.publicKey;
  const oid = signatureAlgorithm.oid;
  if (oid === OID.rsaPss) {
    const pss = readPssParams(signatureAlgorithm.params);
    return cryptoVerify(pss.hash, signed, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: pss.saltLength }, signature);
  }
  let hash = HASH_OF_SIGNATURE[oid];
  // rsaEncryption / id-ecPublicKey as the signature algorithm: the digest algorithm names the hash.
  if (hash === undefined && (oid === OID.rsaEncryption || oid === OID.ecPublicKey)) hash = hashForOid(digestAlgorithm.oid);
  if (hash === undefined) throw new TimestampError('UNSUPPORTED_SIGNATURE_ALGORITHM', `signature algorithm ${oid} is not supported`);
  const isRsa = oid === OID.rsaEncryption || oid.startsWith('1.2.840.113549.1.1.');
  if (isRsa !== (key.asymmetricKeyType === 'rsa')) return false;
  return cryptoVerify(hash, signed, isRsa ? { key, padding: constants.RSA_PKCS1_PADDING } : { key, dsaEncoding: 'der' }, signature);
}

/** RSASSA-PSS-params (RFC 4055 sec. 3.1): hash [0], mask generation [1], salt length [2]; defaults SHA-1, 20. */
export function readPssParams(params: Uint8Array | undefined): { hash: HashName; saltLength: number } {
  let hash: HashName = 'sha1';
  let saltLength = 20;
  if (params === undefined) return { hash, saltLength };
  try {
    const root = parseStrictDer(params);
    for (const field of childrenOf(params, expectTag(root, TAG.SEQUENCE, 'RSASSA-PSS-params'))) {
      const inner = childrenOf(params, field)[0];
      if (field.tag === 0xa0) {
        const algorithm = readAlgorithm(params, inner, 'hashAlgorithm');
        const named = hashForOid(algorithm.oid);
        if (named === undefined) throw new TimestampError('UNSUPPORTED_SIGNATURE_ALGORITHM', `PSS hash ${algorithm.oid} is not supported`);
        hash = named;
      } else if (field.tag === 0xa1) {
        const mgf = readAlgorithm(params, inner, 'maskGenAlgorithm');
        if (mgf.oid !== OID.mgf1) throw new TimestampError('UNSUPPORTED_SIGNATURE_ALGORITHM', `mask generation ${mgf.oid} is not supported`);
        // MGF1's hash must equal the message hash; node uses the message hash for MGF1.
        const mgfHash = mgf.params === undefined ? undefined : decodeOid(contentOf(mgf.params, childrenOf(mgf.params, parseStrictDer(mgf.params))[0]!));
        if (mgfHash !== undefined && hashForOid(mgfHash) === undefined) throw new TimestampError('UNSUPPORTED_SIGNATURE_ALGORITHM', 'unsupported MGF1 hash');
      } else if (field.tag === 0xa2) {
        const content = contentOf(params, expectTag(inner, TAG.INTEGER, 'saltLength'));
        if (content.length > 2) throw new TimestampError('UNSUPPORTED_SIGNATURE_ALGORITHM', 'PSS salt length too large');
        saltLength = content.reduce((value, byte) => value * 256 + byte, 0);
      }
    }
  } catch (error) {
    if (error instanceof TimestampError) throw error;
    throw new TimestampError('UNSUPPORTED_SIGNATURE_ALGORITHM', 'RSASSA-PSS parameters are malformed', { cause: error });
  }
  return { hash, saltLength };
}
