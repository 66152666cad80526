/**
 * The only module of `timestamp` that touches the network: post a TimeStampReq over HTTP
 * (RFC 3161 sec. 3.4), check the reply against the request, verify the token, and return the
 * DER TimeStampResp. Nothing is returned on failure: every problem is a PacketError with a code.
 */
import { readFile } from 'node:fs/promises';
import { environmentError, inputError, usageError } from '../core/errors.js';
import { loadCertificates } from './certs.js';
import { TimestampError } from './errors.js';
import { createTimeStampRequest, type ImprintHash } from './request.js';
import { MAX_TIMESTAMP_BYTES, NotGrantedError, parseTimeStamp } from './token.js';
import { verifyTimeStamp, type TrustedTsa } from './verify.js';

export interface RequestTimeStampOptions {
  timeoutMs: number;
  /** TSA policy OID to request; the reply must carry it. */
  policy?: string;
  /** PEM/DER file with the TSA's root(s); the token must chain to one of them. */
  caFile?: string;
  /** Trusted TSAs given directly (in addition to caFile). */
  trusted?: TrustedTsa[];
  hash?: ImprintHash;
  /** Fixed nonce (tests); random otherwise. */
  nonce?: bigint;
}

const INPUT_CODES: Record<string, string> = {
  IMPRINT_MISMATCH: 'TSA_IMPRINT_MISMATCH',
  NONCE_MISMATCH: 'TSA_NONCE_MISMATCH',
  POLICY_MISMATCH: 'TSA_POLICY_MISMATCH',
};

export async function requestTimeStamp(url: string, data: Uint8Array, options: RequestTimeStampOptions): Promise<Uint8Array> {
  checkUrl(url);
  const trusted = [...(options.trusted ?? []), ...(options.caFile === undefined ? [] : [await readTrustFile(options.caFile)])];
  const requestOptions: Parameters<typeof createTimeStampRequest>[1] = {};
  if (options.policy !== undefined) requestOptions.policy = options.policy;
  if (options.hash !== undefined) requestOptions.hash = options.hash;
  if (options.nonce !== undefined) requestOptions.nonce = options.nonce;
  const request = createTimeStampRequest(data, requestOptions);
  const body = await post(url, request.der, options.timeoutMs);

  try {
    const parsed = parseTimeStamp(body);
    if (parsed.status === undefined) throw new TimestampError('TOKEN_MALFORMED', 'a bare token, not a TimeStampResp');
  } catch (error) {
    if (error instanceof NotGrantedError) {
      throw environmentError('TSA_REJECTED', `the TSA rejected the request: ${error.message}`, { hint: 'check the TSA URL, hash and policy', cause: error });
    }
    throw environmentError('TSA_BAD_RESPONSE', 'the TSA answered something that is not an RFC 3161 TimeStampResp', { cause: error, hint: 'check the TSA URL' });
  }
  const verifyOptions: Parameters<typeof verifyTimeStamp>[3] = { nonce: request.nonce, requireTrustedChain: trusted.length > 0 };
  if (options.policy !== undefined) verifyOptions.policy = options.policy;
  const result = verifyTimeStamp(body, data, trusted, verifyOptions);
  if (!result.ok) {
    const code = INPUT_CODES[result.code] ?? 'TSA_TOKEN_INVALID';
    throw inputError(code, `the TSA's token does not check out: ${result.message}`, { cause: new TimestampError(result.code, result.message) });
  }
  if (result.hashAlgorithm !== request.hash) {
    throw inputError('TSA_IMPRINT_MISMATCH', `the TSA used ${String(result.hashAlgorithm)}, the request asked for ${request.hash}`);
  }
  return body;
}

function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError('TSA_URL_INVALID', `not a URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw usageError('TSA_URL_INVALID', 'the TSA URL must be http or https');
}

async function readTrustFile(path: string): Promise<TrustedTsa> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw usageError('TSA_CA_UNREADABLE', `cannot read the TSA CA file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      cause: error,
      hint: 'check the --tsa-ca path',
    });
  }
  try {
    return { name: path, roots: loadCertificates(bytes) };
  } catch (error) {
    throw usageError('TSA_CA_INVALID', `the TSA CA file ${path} holds no certificate`, { cause: error });
  }
}

async function post(url: string, der: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/timestamp-query', Accept: 'application/timestamp-reply' },
        body: der,
        signal: controller.signal,
        redirect: 'error',
      });
    } catch (error) {
      if (controller.signal.aborted) throw timeout(timeoutMs, error);
      throw environmentError('TSA_UNREACHABLE', `cannot reach the TSA at ${url}`, { cause: error, hint: 'check the URL and the network' });
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw environmentError('TSA_HTTP_ERROR', `the TSA answered HTTP ${response.status}`, { hint: 'try again later or use another TSA' });
    }
    const type = response.headers.get('content-type') ?? '';
    if (/^text\//i.test(type)) {
      await response.body?.cancel().catch(() => undefined);
      throw environmentError('TSA_BAD_RESPONSE', `the TSA answered ${type.split(';')[0]}, not application/timestamp-reply`, { hint: 'check the TSA URL' });
    }
    try {
      return await readBounded(response, MAX_TIMESTAMP_BYTES);
    } catch (error) {
      if (controller.signal.aborted) throw timeout(timeoutMs, error);
      throw error;
    }
  } finally {
    clearTimeout(timer);
  }
}

function timeout(timeoutMs: number, cause: unknown) {
  return environmentError('TSA_TIMEOUT', `the TSA did not answer within ${timeoutMs} ms`, { cause, hint: 'raise --timeout or try again later' });
}

async function readBounded(response: Response, limit: number): Promise<Uint8Array> {
  const reader = response.body?.getReader();
  if (reader === undefined) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw environmentError('TSA_RESPONSE_TOO_LARGE', `the TSA answer is larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return new Uint8Array(Buffer.concat(chunks));
}


