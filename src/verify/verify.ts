import { formatRfc3339 } from '../core/time.js';
import { makeReport, type Report } from '../core/result.js';
import { readPacket, type PacketReading } from '../packet/reader.js';
import type { PacketLimits } from '../packet/format.js';

export interface VerifyOptions {
  /** Evaluation time (RFC 3339 in reports). */
  now: Date;
  limits?: PacketLimits;
  onProgress?: (bytes: number) => void;
}

export interface VerifyOutcome {
  report: Report;
  reading: PacketReading;
}

/**
 * Verify a packet offline. Integrity first (every entry, the manifest, every covered file), then
 * the later stages run only on an intact packet. Never touches the network.
 */
export async function verifyPacket(path: string, options: VerifyOptions): Promise<VerifyOutcome> {
  const reading = await readPacket(path, { ...(options.limits ? { limits: options.limits } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  const report = makeReport({
    command: 'verify',
    subject: path,
    evaluatedAt: formatRfc3339(options.now),
    checks: reading.checks,
    facts: packetFacts(reading),
  });
  return { report, reading };
}

export function packetFacts(reading: PacketReading): Record<string, unknown> {
  const facts: Record<string, unknown> = { form: reading.form };
  if (reading.digest !== undefined) facts.digest = reading.digest;
  if (reading.metadata !== undefined) facts.packet = reading.metadata;
  facts.signatures = [...reading.unsealed.signatures.keys()];
  facts.timestamps = [...reading.unsealed.timestamps.keys()];
  facts.keys = [...reading.unsealed.keys.keys()];
  return facts;
}
