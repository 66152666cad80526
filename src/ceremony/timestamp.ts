import { open } from 'node:fs/promises';
import { inputError } from '../core/errors.js';
import { unsealedPath } from '../packet/format.js';
import { addUnsealedFiles, type UnsealedFile } from '../packet/update.js';
import { DEFAULT_MAX_SKEW_MS } from '../signing/index.js';
import { MAX_TIMESTAMP_BYTES, parseTimeStamp, requestTimeStamp, verifyTimeStamp, type TrustedTsa } from '../timestamp/index.js';
import { concatBytes, TAG, tlv } from '../timestamp/der.js';
import { readIntact } from './sign.js';

export interface TimestampPacketOptions {
  url: string;
  timeoutMs: number;
  /** The TSA's root certificate(s); each token must chain to one before it is stored. */
  caFile?: string;
  /** TSA policy OID to ask for. */
  policy?: string;
}

export interface TimestampPacketResult {
  /** `timestamps/<FPR>.tsr` files added. */
  added: string[];
  /** Signatures that already had a time-stamp. */
  alreadyStamped: string[];
}

/**
 * Get an RFC 3161 time-stamp over the bytes of every signature that lacks one. All tokens are
 * requested and checked first; only if every one succeeds are they added (nothing is written
 * on failure).
 */
export async function timestampPacket(packetPath: string, options: TimestampPacketOptions): Promise<TimestampPacketResult> {
  const reading = await readIntact(packetPath);
  if (reading.unsealed.signatures.size === 0) {
    // Nothing to stamp: the ceremony's steps were run out of order, which a success would hide.
    throw inputError('SIGNATURE_MISSING', `${packetPath} has no signatures to time-stamp`, { hint: "sign it first ('packet sign PACKET --key KEY.asc'), then time-stamp the signatures" });
  }
  const files: UnsealedFile[] = [];
  const alreadyStamped: string[] = [];
  for (const [fingerprint, signature] of reading.unsealed.signatures) {
    if (reading.unsealed.timestamps.has(fingerprint)) {
      alreadyStamped.push(unsealedPath('timestamps', fingerprint));
      continue;
    }
    const token = await requestTimeStamp(options.url, signature, {
      timeoutMs: options.timeoutMs,
      ...(options.caFile === undefined ? {} : { caFile: options.caFile }),
      ...(options.policy === undefined ? {} : { policy: options.policy }),
    });
    files.push({ dir: 'timestamps', fingerprint, bytes: Buffer.from(token) });
  }
  if (files.length > 0) await addUnsealedFiles(packetPath, reading.digest as string, files);
  return { added: files.map((f) => unsealedPath('timestamps', f.fingerprint)), alreadyStamped };
}

export interface ImportTimestampOptions {
  /** Primary fingerprint of the signature the token is for (40 upper-case hex). */
  fingerprint: string;
  /** A DER TimeStampResp or bare TimeStampToken obtained elsewhere. */
  tokenFile: string;
  /** The TSAs the token must chain to (roots, and candidate certificates for cert-less tokens). */
  trusted: TrustedTsa[];
  /** Evaluation time: a token from later than this (plus the signature skew) is refused. */
  now: Date;
}

/**
 * Add a time-stamp obtained elsewhere (another client, a TSA that returns no certificates) for
 * `signatures/<FPR>.asc`, after verifying it over that signature's bytes against `trusted`. A
 * bare token is stored wrapped in a granted TimeStampResp, as the packet format requires. Under the
 * packet lock, atomically, like every other writer.
 */
export async function importTimestamp(packetPath: string, options: ImportTimestampOptions): Promise<TimestampPacketResult> {
  const bytes = await readToken(options.tokenFile);
  const reading = await readIntact(packetPath);
  const signature = reading.unsealed.signatures.get(options.fingerprint);
  const file = unsealedPath('timestamps', options.fingerprint);
  if (signature === undefined) {
    throw inputError('SIGNATURE_MISSING', `${packetPath} has no ${unsealedPath('signatures', options.fingerprint)} to time-stamp`, { hint: "run 'packet status PACKET' to see the signatures it holds" });
  }
  const response = checkedTimestampResponse(bytes, signature, options);
  const existing = reading.unsealed.timestamps.get(options.fingerprint);
  if (existing !== undefined) {
    // A signature holds one time-stamp: the one there is kept when it verifies; otherwise it is in the way.
    const kept = verifyTimeStamp(existing, signature, options.trusted, { notAfter: new Date(options.now.getTime() + DEFAULT_MAX_SKEW_MS) });
    if (kept.ok) return { added: [], alreadyStamped: [file] };
    throw inputError('ALREADY_PRESENT', `${file} is already in ${packetPath} but does not verify against these TSAs (${kept.code}); nothing changed`, {
      hint: `a signature holds one time-stamp: 'packet unsign ${packetPath} ${options.fingerprint}' takes it out with its signature`,
    });
  }
  await addUnsealedFiles(packetPath, reading.digest as string, [{ dir: 'timestamps', fingerprint: options.fingerprint, bytes: Buffer.from(response) }]);
  return { added: [file], alreadyStamped: [] };
}

/**
 * Read a time-stamp obtained elsewhere for `signatures/<FPR>.asc` (whose bytes are `signature`),
 * verify it against `trusted`, and return it as the packet stores it: a bare token wrapped in a
 * granted TimeStampResp. Shared by `timestamp --import` and `attach --timestamp`.
 */
export async function readCheckedTimestamp(options: ImportTimestampOptions, signature: Uint8Array): Promise<Uint8Array> {
  return checkedTimestampResponse(await readToken(options.tokenFile), signature, options);
}

function checkedTimestampResponse(bytes: Uint8Array, signature: Uint8Array, options: ImportTimestampOptions): Uint8Array {
  const result = verifyTimeStamp(bytes, signature, options.trusted, { notAfter: new Date(options.now.getTime() + DEFAULT_MAX_SKEW_MS) });
  if (!result.ok) {
    const step = result.checks.find((check) => check.status === 'fail');
    throw inputError('TSA_TOKEN_INVALID', `${options.tokenFile} is not a valid time-stamp for ${unsealedPath('signatures', options.fingerprint)}: ${result.code}: ${result.message}`, {
      ...(step?.cause === undefined ? {} : { cause: step.cause }),
      hint:
        result.code === 'SIGNER_CERT_MISSING'
          ? "the token carries no TSA certificate: supply it (and any intermediates) with --tsa-certs FILE or the policy's tsa[].certificates"
          : 'check that the token is for this signature and that you trust its TSA',
    });
  }
  const parsed = parseTimeStamp(bytes);
  return parsed.status === undefined ? tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, tlv(TAG.INTEGER, Uint8Array.of(0))), parsed.token) : bytes;
}

/** Read at most MAX_TIMESTAMP_BYTES + 1 bytes: a larger file is refused without reading it all. */
async function readToken(path: string): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw inputError('TOKEN_FILE_UNREADABLE', `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const buffer = new Uint8Array(64 * 1024);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > MAX_TIMESTAMP_BYTES) throw inputError('TOKEN_TOO_LARGE', `${path} is larger than ${MAX_TIMESTAMP_BYTES} bytes; a time-stamp is a few KiB`);
      chunks.push(buffer.subarray(0, bytesRead));
    }
    return concatBytes(chunks);
  } finally {
    await handle.close();
  }
}
