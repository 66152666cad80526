import { AsnConvert } from '@peculiar/asn1-schema';
import { TSTInfo } from '@peculiar/asn1-tsp';
import {
  TAG,
  copy,
  DerError,
  childrenOf,
  contentOf,
  decodeOid,
  encodingOf,
  expectTag,
  parseStrictDer,
  readNode,
  type DerNode,
} from './der.js';
import { TimestampError } from './errors.js';
import { OID } from './oids.js';

/** Inputs larger than this are refused before parsing (real tokens are a few KiB). */
export const MAX_TIMESTAMP_BYTES = 1024 * 1024;
/**
 * SignedData.certificates is not covered by the TSA's signature, so anyone can add to it. Real
 * tokens carry one to four; more than this refuses the token before any certificate is parsed.
 */
export const MAX_TOKEN_CERTIFICATES = 16;

export interface AlgorithmId {
  oid: string;
  /** DER of the parameters, when present. */
  params?: Uint8Array;
}

export interface SignerInfoParts {
  /** issuerAndSerialNumber: DER of the issuer Name and the serial's content octets. */
  issuer?: Uint8Array;
  serial?: Uint8Array;
  /** subjectKeyIdentifier form of the signer id. */
  subjectKeyId?: Uint8Array;
  digestAlgorithm: AlgorithmId;
  /** The signed attributes as received, re-tagged as SET OF: the bytes the signature covers (RFC 5652 sec. 5.4). */
  signedAttrs?: Uint8Array;
  /** Attribute type to the DER of each of its values. */
  attributes: Map<string, Uint8Array[]>;
  signatureAlgorithm: AlgorithmId;
  signature: Uint8Array;
}

export interface ParsedTimeStamp {
  /** PKIStatus when the input was a TimeStampResp; undefined for a bare token. */
  status?: number;
  statusText?: string;
  /** DER of the ContentInfo (the TimeStampToken). */
  token: Uint8Array;
  eContentType: string;
  /** The eContent octets: the DER TSTInfo exactly as signed. */
  tstInfoDer: Uint8Array;
  tstInfo: TSTInfo;
  /** DER of each certificate in SignedData.certificates (candidates only, never anchors). */
  certificates: Uint8Array[];
  signerCount: number;
  signer: SignerInfoParts;
}

/** Thrown for a TimeStampResp whose status is not granted; carries the status. */
export class NotGrantedError extends TimestampError {
  readonly status: number;
  constructor(status: number, text: string | undefined) {
    super('RESPONSE_NOT_GRANTED', `the TSA answered status ${status}${text === undefined ? '' : ` (${text})`}, not granted`);
    this.status = status;
  }
}

/**
 * Parse a DER TimeStampResp (RFC 3161 sec. 2.4.2) or a bare TimeStampToken (a CMS ContentInfo
 * with SignedData, RFC 5652 sec. 5). Structure only: no checks of hashes or signatures here.
 */
export function parseTimeStamp(input: Uint8Array): ParsedTimeStamp {
  if (input.length > MAX_TIMESTAMP_BYTES) throw new TimestampError('INPUT_TOO_LARGE', `time-stamp larger than ${MAX_TIMESTAMP_BYTES} bytes`);
  return withDerCodes(() => {
    const root = parseStrictDer(input);
    const top = childrenOf(input, expectTag(root, TAG.SEQUENCE, 'time-stamp'));
    const first = top[0];
    if (first?.tag === TAG.OID) return parseToken(input, root);
    // TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken TimeStampToken OPTIONAL }
    if (top.length > 2) throw new TimestampError('TOKEN_MALFORMED', 'TimeStampResp has extra fields');
    const statusInfo = childrenOf(input, expectTag(first, TAG.SEQUENCE, 'PKIStatusInfo'));
    const status = readSmallInteger(input, expectTag(statusInfo[0], TAG.INTEGER, 'PKIStatus'));
    const text = statusInfo[1]?.tag === TAG.SEQUENCE ? readFreeText(input, statusInfo[1]) : undefined;
    if (status !== 0 && status !== 1) throw new NotGrantedError(status, text);
    if (top[1] === undefined) throw new TimestampError('RESPONSE_NO_TOKEN', 'the response is granted but holds no token');
    const token = encodingOf(input, top[1]);
    const parsed = parseToken(token, readNode(token, 0));
    parsed.status = status;
    if (text !== undefined) parsed.statusText = text;
    return parsed;
  });
}

function parseToken(bytes: Uint8Array, root: DerNode): ParsedTimeStamp {
  // ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY }
  const [typeNode, explicit, ...rest] = childrenOf(bytes, expectTag(root, TAG.SEQUENCE, 'ContentInfo'));
  const contentType = decodeOid(contentOf(bytes, expectTag(typeNode, TAG.OID, 'contentType')));
  if (contentType !== OID.signedData) throw new TimestampError('NOT_SIGNED_DATA', `token content type is ${contentType}, not signedData`);
  if (rest.length > 0) throw new TimestampError('TOKEN_MALFORMED', 'ContentInfo has extra fields');
  const [signedData, ...more] = childrenOf(bytes, expectTag(explicit, 0xa0, 'ContentInfo content'));
  if (more.length > 0) throw new TimestampError('TOKEN_MALFORMED', 'ContentInfo content has extra elements');
  // SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo, [0] certificates, [1] crls, signerInfos SET }
  const fields = childrenOf(bytes, expectTag(signedData, TAG.SEQUENCE, 'SignedData'));
  expectTag(fields[0], TAG.INTEGER, 'SignedData version');
  expectTag(fields[1], TAG.SET, 'digestAlgorithms');
  const encap = childrenOf(bytes, expectTag(fields[2], TAG.SEQUENCE, 'encapContentInfo'));
  const eContentType = decodeOid(contentOf(bytes, expectTag(encap[0], TAG.OID, 'eContentType')));
  const wrapped = childrenOf(bytes, expectTag(encap[1], 0xa0, 'eContent'));
  if (wrapped.length !== 1) throw new TimestampError('TOKEN_MALFORMED', 'eContent must hold one OCTET STRING');
  const tstInfoDer = contentOf(bytes, expectTag(wrapped[0], TAG.OCTET_STRING, 'eContent'));
  let index = 3;
  const certificates: Uint8Array[] = [];
  if (fields[index]?.tag === 0xa0) {
    const choices = childrenOf(bytes, fields[index]!);
    if (choices.length > MAX_TOKEN_CERTIFICATES) {
      throw new TimestampError('TOO_MANY_CERTIFICATES', `the token carries ${choices.length} certificates; at most ${MAX_TOKEN_CERTIFICATES} are accepted`);
    }
    for (const cert of choices) {
      // Other CertificateChoices (attribute certificates, tagged) cannot be chain candidates.
      if (cert.tag === TAG.SEQUENCE) certificates.push(copy(encodingOf(bytes, cert)));
    }
    index += 1;
  }
  if (fields[index]?.tag === 0xa1) index += 1;
  const signerInfos = childrenOf(bytes, expectTag(fields[index], TAG.SET, 'signerInfos'));
  if (fields.length !== index + 1) throw new TimestampError('TOKEN_MALFORMED', 'SignedData has extra fields');
  if (signerInfos.length === 0) throw new TimestampError('SIGNER_COUNT', 'the token has no signer');
  const signer = parseSignerInfo(bytes, signerInfos[0]!);
  if (eContentType !== OID.tstInfo) throw new TimestampError('WRONG_CONTENT_TYPE', `eContentType is ${eContentType}, not id-ct-TSTInfo`);
  const tstInfo = parseTstInfo(tstInfoDer);
  return {
    token: copy(encodingOf(bytes, root)),
    eContentType,
    tstInfoDer: copy(tstInfoDer),
    tstInfo,
    certificates,
    signerCount: signerInfos.length,
    signer,
  };
}

function parseSignerInfo(bytes: Uint8Array, node: DerNode): SignerInfoParts {
  // SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm, [0] signedAttrs, signatureAlgorithm, signature, [1] unsignedAttrs }
  const fields = childrenOf(bytes, expectTag(node, TAG.SEQUENCE, 'SignerInfo'));
  expectTag(fields[0], TAG.INTEGER, 'SignerInfo version');
  const sid = fields[1];
  const parts: Partial<SignerInfoParts> & { attributes: Map<string, Uint8Array[]> } = { attributes: new Map() };
  if (sid?.tag === TAG.SEQUENCE) {
    const [issuer, serial] = childrenOf(bytes, sid);
    parts.issuer = copy(encodingOf(bytes, expectTag(issuer, TAG.SEQUENCE, 'sid issuer')));
    parts.serial = copy(contentOf(bytes, expectTag(serial, TAG.INTEGER, 'sid serial')));
  } else if (sid?.tag === 0x80) {
    parts.subjectKeyId = copy(contentOf(bytes, sid));
  } else {
    throw new TimestampError('TOKEN_MALFORMED', 'SignerInfo sid is neither issuerAndSerialNumber nor subjectKeyIdentifier');
  }
  parts.digestAlgorithm = readAlgorithm(bytes, fields[2], 'digestAlgorithm');
  let index = 3;
  if (fields[index]?.tag === 0xa0) {
    const attrsNode = fields[index]!;
    const encoded = copy(encodingOf(bytes, attrsNode));
    encoded[0] = TAG.SET; // RFC 5652 sec. 5.4: the signature covers the EXPLICIT SET OF encoding.
    parts.signedAttrs = encoded;
    for (const attribute of childrenOf(bytes, attrsNode)) {
      const [type, values] = childrenOf(bytes, expectTag(attribute, TAG.SEQUENCE, 'Attribute'));
      const oid = decodeOid(contentOf(bytes, expectTag(type, TAG.OID, 'attribute type')));
      if (parts.attributes.has(oid)) throw new TimestampError('SIGNED_ATTRS_INVALID', `attribute ${oid} appears twice`);
      parts.attributes.set(oid, childrenOf(bytes, expectTag(values, TAG.SET, 'attribute values')).map((v) => copy(encodingOf(bytes, v))));
    }
    index += 1;
  }
  parts.signatureAlgorithm = readAlgorithm(bytes, fields[index], 'signatureAlgorithm');
  parts.signature = copy(contentOf(bytes, expectTag(fields[index + 1], TAG.OCTET_STRING, 'signature')));
  return parts as SignerInfoParts;
}

export function readAlgorithm(bytes: Uint8Array, node: DerNode | undefined, what: string): AlgorithmId {
  const [oid, params] = childrenOf(bytes, expectTag(node, TAG.SEQUENCE, what));
  const algorithm: AlgorithmId = { oid: decodeOid(contentOf(bytes, expectTag(oid, TAG.OID, what))) };
  if (params !== undefined && params.tag !== TAG.NULL) algorithm.params = copy(encodingOf(bytes, params));
  return algorithm;
}

function parseTstInfo(der: Uint8Array): TSTInfo {
  try {
    parseStrictDer(der);
    const info = AsnConvert.parse(der, TSTInfo);
    if (info.version !== 1) throw new Error(`TSTInfo version ${info.version} is not 1`);
    return info;
  } catch (error) {
    throw new TimestampError('TSTINFO_MALFORMED', 'the TSTInfo content is not a valid DER TSTInfo', { cause: error });
  }
}

function readSmallInteger(bytes: Uint8Array, node: DerNode): number {
  const content = contentOf(bytes, node);
  if (content.length > 4) throw new TimestampError('TOKEN_MALFORMED', 'integer too large');
  let value = 0;
  for (const byte of content) value = value * 256 + byte;
  return value;
}

function readFreeText(bytes: Uint8Array, node: DerNode): string | undefined {
  const first = childrenOf(bytes, node)[0];
  if (first?.tag !== TAG.UTF8_STRING) return undefined;
  return new TextDecoder('utf-8', { fatal: false }).decode(contentOf(bytes, first)).slice(0, 200);
}

/** Turn structural DER errors into stable reason codes. */
function withDerCodes<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof TimestampError) throw error;
    if (error instanceof DerError) {
      const structural = error.code === 'DER_UNEXPECTED_TAG' || error.code === 'DER_MISSING';
      throw new TimestampError(structural ? 'TOKEN_MALFORMED' : error.code, error.message, { cause: error });
    }
    throw new TimestampError('TOKEN_MALFORMED', 'the time-stamp could not be parsed', { cause: error });
  }
}
