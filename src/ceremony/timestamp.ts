import { unsealedPath } from '../packet/format.js';
import { addUnsealedFiles, type UnsealedFile } from '../packet/update.js';
import { requestTimeStamp } from '../timestamp/index.js';
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
