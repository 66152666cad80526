/**
 * Time-stamping ledger entries (RFC 3161), so that each entry carries proof from a third party of
 * when it existed. The entry's exact bytes are time-stamped before it is written; the reply must
 * chain to the TSA root named in the locker file (checked by the timestamp client).
 */
import type { LockerConfig } from './config.js';

/** Returns the DER TimeStampResp over the given bytes. */
export type Stamper = (bytes: Uint8Array) => Promise<Uint8Array>;

export function ledgerStamper(config: LockerConfig): Stamper | undefined {
  const tsa = config.ledgerTsa;
  if (tsa === undefined) return undefined;
  return async (bytes) => {
    const { requestTimeStamp } = await import('../timestamp/client.js');
    return requestTimeStamp(tsa.url, bytes, { timeoutMs: tsa.timeoutMs, caFile: tsa.caFile });
  };
}
