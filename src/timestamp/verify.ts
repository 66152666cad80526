import { formatRfc3339 } from '../core/time.js';
import { fail, pass, type Check } from '../core/result.js';
import { describeCause } from '../core/errors.js';
import { buildChain, checkKeyBounds, extendedKeyUsage, parseCertificate, type CertInfo, type TrustAnchor } from './certs.js';
import { digest, readPssParams, verifyCmsSignature } from './cms-signature.js';
import { TAG, contentOf, decodeOid, equalBytes, expectTag, readNode } from './der.js';
import { TimestampError } from './errors.js';
import { checkEss, essNamesCertificate, single } from './ess.js';
import { OID, hashForOid, hashLength, type HashName } from './oids.js';
import { checkLeaf, checkPath, WEAK_DIGEST_ALGORITHMS, WEAK_SIGNATURE_ALGORITHMS } from './path.js';
import { parseTimeStamp, type AlgorithmId, type ParsedTimeStamp } from './token.js';
import { plural } from '../core/plural.js';

/** A TSA the verifier trusts: a name for reports, its root certificates (DER), and optionally its
 * signer certificates and intermediates (DER): candidates for the path, never anchors. */
export interface TrustedTsa {
  name: string;
  roots: Uint8Array[];
  certificates?: Uint8Array[];
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
  /** The latest acceptable genTime (the evaluation time plus any allowed skew); checked when given. */
  notAfter?: Date;
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

  if (options.notAfter !== undefined) {
    const latest = options.notAfter;
    step(checks, 'timestamp.time', () => checkNotAfter(info.genTime, latest));
  }
  step(checks, 'timestamp.imprint', () => checkImprint(parsed, data, facts));
  if (options.nonce !== undefined) step(checks, 'timestamp.nonce', () => checkNonce(facts.nonce, options.nonce!));
  if (options.policy !== undefined) step(checks, 'timestamp.policy', () => checkPolicy(info.policy, options.policy!));
  if (parsed.signerCount !== 1) {
    checks.push(fail('timestamp.signer', 'SIGNER_COUNT', `a time-stamp token has exactly one signer (RFC 3161 sec. 2.4.2), found ${parsed.signerCount}`));
    return finish(checks, facts);
  }
  step(checks, 'timestamp.algorithms', () => checkCmsAlgorithms(parsed));
  step(checks, 'timestamp.signed-attributes', () => checkSignedAttributes(parsed));

  // Auditor-supplied certificates first, so a token stuffed with certificates cannot push them
  // out of the bounded candidate pool. All of them are candidates only, never anchors.
  const refused: { cert: CertInfo; error: TimestampError }[] = [];
  const supplied = [...trusted.flatMap((tsa) => tsa.certificates ?? []), ...(options.certificates ?? [])];
  const candidates = uniqueCertificates([...supplied.flatMap((der) => parseOnce(der, refused)), ...parsed.certificates.flatMap((der) => tryParseCertificate(der, refused))]);
  let signer: CertInfo | undefined;
  step(checks, 'timestamp.signer-certificate', () => {
    // Several candidates may carry the signer's issuer and serial (one injected into the token,
    // say): the signer is the one the signed ESS attribute names by hash. No signature is
    // verified to choose it.
    const matching = findSigners(parsed, candidates);
    signer = matching.find((cert) => essNamesCertificate(parsed, cert)) ?? matching[0];
    if (signer === undefined) {
      // Name the reason when the signer was among the candidates refused for their keys.
      const why = refused.find((r) => findSigners(parsed, [r.cert]).length > 0)?.error;
      if (why !== undefined) throw new TimestampError(why.code, `the signer certificate is refused: ${why.message}`);
      throw new TimestampError('SIGNER_CERT_MISSING', 'the signer certificate is neither in the token nor among the certificates the policy supplies (was certReq false?)');
    }
    facts.tsa = signer.subject;
    return `signer certificate found: ${signer.subject}`;
  });
  if (signer === undefined) return finish(checks, facts);
  const signerCert = signer;
  step(checks, 'timestamp.signature', () => checkSignature(parsed, signerCert));
  step(checks, 'timestamp.ess-signing-certificate', () => checkEss(parsed, signerCert));
  step(checks, 'timestamp.eku', () => checkEku(signerCert));
  step(checks, 'timestamp.tsa-certificate', () => checkLeaf(signerCert));

  const anchors = trusted.flatMap((tsa) => tsa.roots.flatMap((root) => parseOnce(root, []).map((cert) => ({ name: tsa.name, cert }))));
  if (anchors.length === 0 && options.requireTrustedChain === false) {
    checks.push({ id: 'timestamp.chain', status: 'skip', code: 'NO_TRUSTED_ROOTS', message: 'no trusted TSA root given; chain not checked' });
    step(checks, 'timestamp.validity', () => checkValidity([signerCert], info.genTime, accuracyMs));
    return finish(checks, facts);
  }
  if (checks.some((check) => check.status === 'fail')) {
    // Building a path costs signature verifications: not spent on a token already refused.
    checks.push({ id: 'timestamp.chain', status: 'skip', code: 'NOT_CHECKED', message: 'chain not checked: the token already failed' });
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
    step(checks, 'timestamp.path', () => checkPath(path));
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

/** A candidate that cannot be parsed, or whose key is out of bounds, is left out; `refused` keeps the latter and why. */
function tryParseCertificate(der: Uint8Array, refused: { cert: CertInfo; error: TimestampError }[]): CertInfo[] {
  let cert: CertInfo;
  try {
    cert = parseCertificate(der);
  } catch {
    return [];
  }
  try {
    checkKeyBounds(cert);
    return [cert];
  } catch (error) {
    if (error instanceof TimestampError) refused.push({ cert, error });
    return [];
  }
}

/**
 * The caller's roots and certificates are the same objects for every token of a packet: parse
 * each once (a policy may list hundreds), not once per token.
 */
const parsedOnce = new WeakMap<Uint8Array, { certs: CertInfo[]; refused: { cert: CertInfo; error: TimestampError }[] }>();

function parseOnce(der: Uint8Array, refused: { cert: CertInfo; error: TimestampError }[]): CertInfo[] {
  let entry = parsedOnce.get(der);
  if (entry === undefined) {
    const own: { cert: CertInfo; error: TimestampError }[] = [];
    entry = { certs: tryParseCertificate(der, own), refused: own };
    parsedOnce.set(der, entry);
  }
  refused.push(...entry.refused);
  return entry.certs;
}

function uniqueCertificates(certs: CertInfo[]): CertInfo[] {
  const seen = new Set<string>();
  return certs.filter((cert) => {
    const id = Buffer.from(cert.der).toString('base64');
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** A token from after the evaluation time proves nothing about that time. */
function checkNotAfter(genTime: Date, notAfter: Date): string {
  if (genTime.getTime() > notAfter.getTime()) {
    throw new TimestampError('GENTIME_AFTER_EVALUATION_TIME', `genTime ${formatRfc3339(genTime)} is after the evaluation time (${formatRfc3339(notAfter)} with the allowed skew)`);
  }
  return `genTime ${formatRfc3339(genTime)} is not after the evaluation time`;
}

function weakPssHash(algorithm: AlgorithmId): string | undefined {
  if (algorithm.oid !== OID.rsaPss) return undefined;
  try {
    return readPssParams(algorithm.params).hash === 'sha1' ? 'RSASSA-PSS with SHA-1' : undefined;
  } catch {
    return undefined; // malformed parameters fail the signature step with their own code
  }
}

/** SHA-1 and MD5 (and older) are refused in the CMS signature, as in certificates. */
function checkCmsAlgorithms(parsed: ParsedTimeStamp): string {
  const { digestAlgorithm, signatureAlgorithm } = parsed.signer;
  const weak = WEAK_DIGEST_ALGORITHMS.get(digestAlgorithm.oid) ?? WEAK_SIGNATURE_ALGORITHMS.get(signatureAlgorithm.oid) ?? weakPssHash(signatureAlgorithm);
  if (weak !== undefined) throw new TimestampError('CMS_WEAK_ALGORITHM', `the TSA's CMS signature uses ${weak}, which is refused`);
  return `digest ${digestAlgorithm.oid}, signature ${signatureAlgorithm.oid}`;
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
  return found;
}

/** Every certificate in the path is valid at genTime, allowing for the token's accuracy. */
function checkValidity(chain: CertInfo[], genTime: Date, accuracyMs: number): string {
  const earliest = genTime.getTime() - accuracyMs;
  const latest = genTime.getTime() + accuracyMs;
  for (const cert of chain) {
    if (earliest < cert.notBefore.getTime()) throw new TimestampError('CERT_NOT_YET_VALID', `${cert.subject} was not yet valid at genTime ${formatRfc3339(genTime)}`);
    if (latest > cert.notAfter.getTime()) throw new TimestampError('CERT_EXPIRED', `${cert.subject} had expired at genTime ${formatRfc3339(genTime)}`);
  }
  return `${plural(chain.length, 'certificate', 'certificates')} valid at genTime ${formatRfc3339(genTime)}`;
}
