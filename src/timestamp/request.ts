import { randomBytes } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { MessageImprint, TimeStampReq } from '@peculiar/asn1-tsp';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { digest } from './cms-signature.js';
import { parseStrictDer } from './der.js';
import { TimestampError } from './errors.js';
import { hashForOid, hashLength, oidForHash, type HashName } from './oids.js';

export type ImprintHash = 'SHA-256' | 'SHA-384' | 'SHA-512';

export interface TimeStampRequestOptions {
  /** TSA policy OID to ask for (reqPolicy). */
  policy?: string;
  /** Nonce to send; a random positive 64-bit value when omitted. */
  nonce?: bigint;
  hash?: ImprintHash;
  /** Ask the TSA to include its certificate (default true); false gives a token without certificates. */
  certReq?: boolean;
}

export interface TimeStampRequest {
  der: Uint8Array;
  nonce: bigint;
  imprint: Uint8Array;
  hash: HashName;
}

const HASH_NAMES: Record<ImprintHash, HashName> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

/** Build a DER TimeStampReq (RFC 3161 sec. 2.4.1): imprint of `data`, nonce, certReq true unless told otherwise. */
export function createTimeStampRequest(data: Uint8Array, options: TimeStampRequestOptions = {}): TimeStampRequest {
  const hash = HASH_NAMES[options.hash ?? 'SHA-256'];
  const nonce = options.nonce ?? BigInt(`0x${randomBytes(8).toString('hex')}`);
  if (nonce < 0n) throw new TimestampError('BAD_NONCE', 'the nonce must not be negative');
  const imprint = digest(hash, data);
  const request = new TimeStampReq({
    version: 1,
    messageImprint: new MessageImprint({
      hashAlgorithm: new AlgorithmIdentifier({ algorithm: oidForHash(hash), parameters: null }),
      hashedMessage: new OctetString(imprint),
    }),
    nonce: integerContent(nonce).buffer as ArrayBuffer,
    certReq: options.certReq ?? true,
  });
  if (options.policy !== undefined) request.reqPolicy = options.policy;
  return { der: new Uint8Array(AsnConvert.serialize(request)), nonce, imprint, hash };
}

export interface ParsedTimeStampRequest {
  hash: HashName;
  imprint: Uint8Array;
  /** The nonce's INTEGER content octets, echoed as received. */
  nonce?: Uint8Array;
  policy?: string;
  certReq: boolean;
  hasExtensions: boolean;
}

export const MAX_REQUEST_BYTES = 64 * 1024;

/** Parse a DER TimeStampReq strictly. Codes: BAD_REQUEST (malformed), BAD_ALG (hash not SHA-2). */
export function parseTimeStampRequest(der: Uint8Array): ParsedTimeStampRequest {
  let request: TimeStampReq;
  try {
    if (der.length > MAX_REQUEST_BYTES) throw new Error('request too large');
    parseStrictDer(der);
    request = AsnConvert.parse(der, TimeStampReq);
  } catch (error) {
    throw new TimestampError('BAD_REQUEST', 'the request is not a DER TimeStampReq', { cause: error });
  }
  if (request.version !== 1) throw new TimestampError('BAD_REQUEST', `unsupported request version ${request.version}`);
  const hash = hashForOid(request.messageImprint.hashAlgorithm.algorithm);
  if (hash === undefined || hash === 'sha1') throw new TimestampError('BAD_ALG', 'the imprint hash must be SHA-256, SHA-384 or SHA-512');
  const imprint = new Uint8Array(request.messageImprint.hashedMessage.buffer);
  if (imprint.length !== hashLength(hash)) throw new TimestampError('BAD_DATA_FORMAT', 'the imprint length does not match its hash');
  const parsed: ParsedTimeStampRequest = { hash, imprint, certReq: request.certReq === true, hasExtensions: (request.extensions?.length ?? 0) > 0 };
  if (request.nonce !== undefined) parsed.nonce = new Uint8Array(request.nonce);
  if (request.reqPolicy !== undefined) parsed.policy = request.reqPolicy;
  return parsed;
}

/** Minimal two's-complement INTEGER content octets of a non-negative bigint. */
export function integerContent(value: bigint): Uint8Array {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  const bytes = Buffer.from(hex, 'hex');
  return new Uint8Array(bytes[0]! & 0x80 ? Buffer.concat([Buffer.of(0), bytes]) : bytes);
}
