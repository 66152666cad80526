/**
 * The facts a verify Report carries besides its checks: what was verified (packet, evidence
 * list), against what (the policy, its digest, its TSA roots) and what each signature showed.
 * Renderers (the auditor's report) read them; values from the packet stay labelled as claims.
 */
import type { PacketReading } from '../packet/reader.js';

/** Most evidence files listed in the facts; the rest are counted (manifest.sha256 lists them all). */
export const MAX_EVIDENCE_LISTED = 10_000;

/** Facts that need the trust policy's code (trust-facts.ts), computed by the caller when there is a policy. */
export interface TrustFacts {
  policy?: Record<string, unknown>;
  signers?: Record<string, unknown>[];
  dualControl?: Record<string, unknown>;
}

export function packetFacts(reading: PacketReading, trust: TrustFacts = {}): Record<string, unknown> {
  const facts: Record<string, unknown> = { form: reading.form };
  if (reading.digest !== undefined) facts.digest = reading.digest;
  if (reading.metadata !== undefined) facts.packet = reading.metadata;
  facts.signatures = [...reading.unsealed.signatures.keys()];
  facts.timestamps = [...reading.unsealed.timestamps.keys()];
  facts.keys = [...reading.unsealed.keys.keys()];
  if (trust.policy !== undefined) facts.policy = trust.policy;
  if (reading.payload.length > 0) facts.evidence = evidenceFacts(reading);
  if (trust.signers !== undefined) facts.signers = trust.signers;
  if (trust.dualControl !== undefined) facts.dualControl = trust.dualControl;
  return facts;
}

/**
 * The evidence files seen, with their size and the SHA-256 the manifest lists (each one checked
 * against the bytes by the integrity stage). Only files the manifest lists; bounded.
 */
function evidenceFacts(reading: PacketReading): Record<string, unknown> {
  const files: { path: string; size: number; sha256: string }[] = [];
  let count = 0;
  let bytes = 0;
  for (const file of reading.payload) {
    count += 1;
    bytes += file.size;
    if (files.length < MAX_EVIDENCE_LISTED) files.push(file);
  }
  files.sort((a, b) => Buffer.compare(Buffer.from(a.path, 'utf8'), Buffer.from(b.path, 'utf8')));
  return { count, bytes, files, omitted: count - files.length };
}
