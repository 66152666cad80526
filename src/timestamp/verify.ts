import { fail, pass, type Check } from '../core/result.js';
import { describeCause } from '../core/errors.js';
import { buildChain, certificateHash, extendedKeyUsage, parseCertificate, type CertInfo, type TrustAnchor } from './certs.js';
import { digest, verifyCmsSignature } from './cms-signature.js';
import { TAG, childrenOf, contentOf, decodeOid, encodingOf, equalBytes, expectTag, parseStrictDer, readNode } from './der.js';
import { TimestampError } from './errors.js';
import { OID, hashForOid, hashLength, type HashName } from './oids.js';
import { parseTimeStamp, readAlgorithm, type ParsedTimeStamp } from './token.js';

/** A TSA the verifier trusts: a name for reports and its root certificates (DER). */
export interface TrustedTsa {
  name: string;
  roots: Uint8Array[];
}

/** What was time-stamped: the bytes, or (when only the hash is known) the digest itself. */
export type TimeStampedData = Uint8Array | { digest: Uint8Array };

export interface VerifyTimeStampOptions {
  /** Extra chain candidates (intermediates); like the token's certificates, never anchors. */
  certificates?: Uint8Array[];
  /** The nonce the request carried; checked when given. */
  nonce?: bigint;
  /** The policy OID the request asked for; checked when given. */
  policy?: string;
  /**
   * When false and no TSA is trusted, the chain step is skipped (the CMS signature is still
   * checked with the embedded certificate). Default true: no trusted root means failure.
   */
  requireTrustedChain?: boolean;
}

export interface TimeStampResult {
  ok: boolean;
  /** `OK` when valid, else the reason code of the first failed step. */
  code: string;
  message: string;
  genTime?: Date;
  accuracyMs?: number;
  /** Subject of the TSA signing certificate. */
  tsa?: string;
  /** Name of the trusted TSA whose root anchored the chain. */
  trustedTsa?: string;
  policy?: string;
  /** TSTInfo serial number, lower-case hex. */
  serial?: string;
  nonce?: bigint;
  hashAlgorithm?: HashName;
  checks: Check[];
}

const SUBJECT = 'time-stamp';

/**
 * Verify an RFC 3161 time-stamp offline (RFC 3161 sec. 2.4.2, RFC 5652 sec. 5.4 and 11,
 * RFC 5035, RFC 5280). Pure: no clock, no network; every certificate is judged at the token's
 * genTime. Never throws: every problem becomes a failed check with a reason code.
 */
export function verifyTimeStamp(
  tokenOrResponse: Uint8Array,
  data: TimeStampedData,
  trusted: TrustedTsa[],
  options: VerifyTimeStampOptions = {},
): TimeStampResult {
  const checks: Check[] = [];
  let parsed: ParsedTimeStamp;
  try {
    parsed = parseTimeStamp(tokenOrResponse);
    checks.push(pass('timestamp.parse', parsed.status === undefined ? 'token parsed (bare TimeStampToken)' : `response parsed, status ${parsed.status} (granted)`));
  } catch (error) {
    checks.push(failure('timestamp.parse', error));
    return finish(checks, {});
  }
  const info = parsed.tstInfo;
  const accuracy = info.accuracy;
  const accuracyMs = accuracy === undefined ? 0 : (accuracy.seconds ?? 0) * 1000 + (accuracy.millis ?? 0) + (accuracy.micros ?? 0) / 1000;
  const facts: Partial<TimeStampResult> = {
    genTime: info.genTime,
    accuracyMs,
    policy: info.policy,
    serial: Buffer.from(info.serialNumber).toString('hex'),
  };
  if (info.nonce !== undefined) facts.nonce = BigInt(`0x${Buffer.from(info.nonce).toString('hex') || '0'}`);

  step(checks, 'timestamp.imprint', () => checkImprint(parsed, data, facts));
  if (options.nonce !== undefined) step(checks, 'timestamp.nonce', () => checkNonce(facts.nonce, options.nonce!));
  if (options.policy !== undefined) step(checks, 'timestamp.policy', () => checkPolicy(info.policy, options.policy!));
  if (parsed.signerCount !== 1) {
    checks.push(fail('timestamp.signer', 'SIGNER_COUNT', `a time-stamp token has exactly one signer (RFC 3161 sec. 2.4.2), found ${parsed.signerCount}`));
    return finish(checks, facts);
  }
  step(checks, 'timestamp.signed-attributes', () => checkSignedAttributes(parsed));

  const candidates = [...parsed.certificates, ...(options.certificates ?? [])].flatMap(tryParseCertificate);
  let signer: CertInfo | undefined;
  step(checks, 'timestamp.signer-certificate', () => {
    // Several candidates may carry the signer's issuer and serial (one injected into the token,
    // say): the signer is the one whose key made the signature, if any does.
    const matching = findSigners(parsed, candidates);
    signer = matching.find((cert) => signatureVerifies(parsed, cert)) ?? matching[0];
    if (signer === undefined) throw new TimestampError('SIGNER_CERT_MISSING', 'the signer certificate is not in the token (was certReq false?)');
    facts.tsa = signer.subject;
    return `signer certificate found: ${signer.subject}`;
  });
  if (signer === undefined) return finish(checks, facts);
  const signerCert = signer;
  step(checks, 'timestamp.signature', () => checkSignature(parsed, signerCert));
  step(checks, 'timestamp.ess-signing-certificate', () => checkEss(parsed, signerCert));
  step(checks, 'timestamp.eku', () => checkEku(signerCert));

  const anchors = trusted.flatMap((tsa) => tsa.roots.flatMap((root) => tryParseCertificate(root).map((cert) => ({ name: tsa.name, cert }))));
  if (anchors.length === 0 && options.requireTrustedChain === false) {
    checks.push({ id: 'timestamp.chain', status: 'skip', code: 'NO_TRUSTED_ROOTS', message: 'no trusted TSA root given; chain not checked' });
    step(checks, 'timestamp.validity', () => checkValidity([signerCert], info.genTime, accuracyMs));
    return finish(checks, facts);
  }
  let chain: CertInfo[] | undefined;
  step(checks, 'timestamp.chain', () => {
    const found = checkChain(signerCert, candidates, anchors);
    chain = found.chain;
    facts.trustedTsa = found.anchor.name;
    return `chain of ${found.chain.length} reaches the trusted root of ${found.anchor.name}`;
  });
  if (chain !== undefined) {
    const path = chain;
    step(checks, 'timestamp.validity', () => checkValidity(path, info.genTime, accuracyMs));
  }
  return finish(checks, facts);
}

function step(checks: Check[], id: string, run: () => string): void {
  try {
    checks.push(pass(id, run()));
  } catch (error) {
    checks.push(failure(id, error));
  }
}

function failure(id: string, error: unknown): Check {
  if (error instanceof TimestampError) {
    const extra: Partial<Check> = { subject: SUBJECT };
    if (error.cause !== undefined) extra.cause = describeCause(error.cause);
    return fail(id, error.code, error.message, extra);
  }
  return fail(id, 'TOKEN_MALFORMED', 'the time-stamp could not be checked', { subject: SUBJECT, cause: describeCause(error) });
}

function finish(checks: Check[], facts: Partial<TimeStampResult>): TimeStampResult {
  const failed = checks.find((check) => check.status === 'fail');
  return {
    ...facts,
    ok: failed === undefined,
    code: failed?.code ?? 'OK',
    message: failed?.message ?? 'the time-stamp is valid',
    checks,
  };
}

function tryParseCertificate(der: Uint8Array): CertInfo[] {
  try {
    return [parseCertificate(der)];
  } catch {
    return [];
  }
}

/** RFC 3161 sec. 2.4.2: messageImprint equals the hash of the data, with the algorithm it names. */
function checkImprint(parsed: ParsedTimeStamp, data: TimeStampedData, facts: Partial<TimeStampResult>): string {
  const imprint = parsed.tstInfo.messageImprint;
  const hash = hashForOid(imprint.hashAlgorithm.algorithm);
  if (hash === undefined || hash === 'sha1') {
    throw new TimestampError('UNSUPPORTED_HASH', `imprint hash ${imprint.hashAlgorithm.algorithm} is not SHA-256/384/512`);
  }
  facts.hashAlgorithm = hash;
  const hashed = new Uint8Array(imprint.hashedMessage.buffer);
  if (hashed.length !== hashLength(hash)) throw new TimestampError('IMPRINT_MISMATCH', `imprint has ${hashed.length} bytes, ${hash} has ${hashLength(hash)}`);
  const expected = data instanceof Uint8Array ? digest(hash, data) : data.digest;
  if (!equalBytes(hashed, expected)) throw new TimestampError('IMPRINT_MISMATCH', 'the time-stamp is for other data: its imprint differs from the hash of the data');
  return `imprint equals the ${hash} of the data`;
}

function checkNonce(actual: bigint | undefined, expected: bigint): string {
  if (actual !== expected) throw new TimestampError('NONCE_MISMATCH', 'the token does not echo the request nonce');
  return 'nonce echoed';
}

function checkPolicy(actual: string, expected: string): string {
  if (actual !== expected) throw new TimestampError('POLICY_MISMATCH', `the token policy is ${actual}, the request asked for ${expected}`);
  return `policy ${actual}`;
}

/** RFC 5652 sec. 5.3 and 11.1-11.2: content-type and message-digest attributes. */
function checkSignedAttributes(parsed: ParsedTimeStamp): string {
  const { signer } = parsed;
  if (signer.signedAttrs === undefined) throw new TimestampError('SIGNED_ATTRS_MISSING', 'the signer has no signed attributes');
  const contentType = single(signer.attributes.get(OID.contentTypeAttr), 'CONTENT_TYPE_ATTR_MISSING', 'content-type');
  const node = expectTag(readNode(contentType, 0), TAG.OID, 'content-type value');
  if (decodeOid(contentOf(contentType, node)) !== OID.tstInfo) {
    throw new TimestampError('CONTENT_TYPE_ATTR_MISMATCH', 'the content-type attribute is not id-ct-TSTInfo');
  }
  const md = single(signer.attributes.get(OID.messageDigestAttr), 'MESSAGE_DIGEST_MISSING', 'message-digest');
  const mdValue = contentOf(md, expectTag(readNode(md, 0), TAG.OCTET_STRING, 'message-digest value'));
  const hash = hashForOid(signer.digestAlgorithm.oid);
  if (hash === undefined) throw new TimestampError('UNSUPPORTED_HASH', `digest algorithm ${signer.digestAlgorithm.oid} is not supported`);
  if (!equalBytes(mdValue, digest(hash, parsed.tstInfoDer))) {
    throw new TimestampError('MESSAGE_DIGEST_MISMATCH', 'the message-digest attribute does not match the TSTInfo');
  }
  return `content-type is id-ct-TSTInfo and message-digest matches (${hash})`;
}

function single(values: Uint8Array[] | undefined, code: string, what: string): Uint8Array {
  if (values === undefined) throw new TimestampError(code, `the ${what} attribute is missing`);
  if (values.length !== 1) throw new TimestampError('SIGNED_ATTRS_INVALID', `the ${what} attribute must have one value`);
  return values[0]!;
}

/** RFC 5652 sec. 5.3: the SignerIdentifier names the certificate whose key signed. */
function findSigners(parsed: ParsedTimeStamp, candidates: CertInfo[]): CertInfo[] {
  const { signer } = parsed;
  return candidates.filter((cert) => {
    if (signer.issuer !== undefined && signer.serial !== undefined) {
      return equalBytes(cert.issuerDer, signer.issuer) && equalBytes(cert.serial, signer.serial);
    }
    const ski = cert.extensions.find((ext) => ext.oid === OID.subjectKeyIdentifier);
    if (ski === undefined || signer.subjectKeyId === undefined) return false;
    try {
      return equalBytes(contentOf(ski.value, readNode(ski.value, 0)), signer.subjectKeyId);
    } catch {
      return false;
    }
  });
}

function signatureVerifies(parsed: ParsedTimeStamp, cert: CertInfo): boolean {
  try {
    checkSignature(parsed, cert);
    return true;
  } catch {
    return false;
  }
}

function checkSignature(parsed: ParsedTimeStamp, signer: CertInfo): string {
  const info = parsed.signer;
  if (info.signedAttrs === undefined) throw new TimestampError('SIGNED_ATTRS_MISSING', 'the signer has no signed attributes');
  let valid: boolean;
  try {
    valid = verifyCmsSignature(info.signedAttrs, info.signature, info.signatureAlgorithm, info.digestAlgorithm, signer);
  } catch (error) {
    if (error instanceof TimestampError) throw error;
    throw new TimestampError('SIGNATURE_INVALID', 'the CMS signature could not be verified', { cause: error });
  }
  if (!valid) throw new TimestampError('SIGNATURE_INVALID', 'the CMS signature over the signed attributes is not valid');
  return `CMS signature (${info.signatureAlgorithm.oid}) verifies with the signer certificate`;
}

/**
 * RFC 3161 sec. 2.4.1 requires an ESS signing-certificate attribute; RFC 2634 sec. 5.4 (v1,
 * SHA-1) and RFC 5035 sec. 3 (v2): the first ESSCertID names the signer certificate by hash,
 * and by issuer and serial when present.
 */
function checkEss(parsed: ParsedTimeStamp, signer: CertInfo): string {
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

/** RFC 3161 sec. 2.3: the TSA certificate has exactly one, critical, extended key usage: timeStamping. */
function checkEku(signer: CertInfo): string {
  const eku = extendedKeyUsage(signer);
  if (eku === undefined) throw new TimestampError('EKU_MISSING', 'the TSA certificate has no extended key usage');
  if (eku.purposes.length !== 1 || eku.purposes[0] !== OID.kpTimeStamping) {
    throw new TimestampError('EKU_NOT_TIMESTAMPING', `the TSA certificate's extended key usage is ${eku.purposes.join(', ')}, not only timeStamping`);
  }
  if (!eku.critical) throw new TimestampError('EKU_NOT_CRITICAL', 'the timeStamping extended key usage is not critical');
  return 'extended key usage is timeStamping only, critical';
}

function checkChain(signer: CertInfo, candidates: CertInfo[], anchors: TrustAnchor[]): { chain: CertInfo[]; anchor: TrustAnchor } {
  if (anchors.length === 0) throw new TimestampError('NO_TRUSTED_ROOTS', 'no trusted TSA root was given');
  const found = buildChain(signer, candidates, anchors);
  if (found === undefined) {
    throw new TimestampError('CHAIN_UNTRUSTED', `no chain from ${signer.subject} to a trusted TSA root (checked by signature, not by name)`);
  }
  // RFC 5280 sec. 4.2.1.9: every issuer in the path is a CA.
  for (const issuer of found.chain.slice(1)) {
    if (issuer.x509.ca !== true) throw new TimestampError('ISSUER_NOT_CA', `issuer ${issuer.subject} is not a CA (basicConstraints)`);
  }
  return found;
}

/** Every certificate in the path is valid at genTime, allowing for the token's accuracy. */
function checkValidity(chain: CertInfo[], genTime: Date, accuracyMs: number): string {
  const earliest = genTime.getTime() - accuracyMs;
  const latest = genTime.getTime() + accuracyMs;
  for (const cert of chain) {
    if (earliest < cert.notBefore.getTime()) throw new TimestampError('CERT_NOT_YET_VALID', `${cert.subject} was not yet valid at genTime ${genTime.toISOString()}`);
    if (latest > cert.notAfter.getTime()) throw new TimestampError('CERT_EXPIRED', `${cert.subject} had expired at genTime ${genTime.toISOString()}`);
  }
  return `${chain.length} certificate(s) valid at genTime ${genTime.toISOString()}`;
}
