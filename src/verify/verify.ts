import { formatRfc3339 } from '../core/time.js';
import { usageError } from '../core/errors.js';
import { makeReport, type Check, type Report } from '../core/result.js';
import { readPacket, type PacketReading, type ReadOptions } from '../packet/reader.js';
import type { PacketLimits } from '../packet/format.js';
import type { TrustPolicy } from '../trust/index.js';
import type { SignatureStage } from './signatures.js';
import { packetFacts, type TrustFacts } from './facts.js';
import { plural } from '../core/plural.js';

export interface VerifyOptions {
  /** Evaluation time (RFC 3339 in reports). */
  now: Date;
  /** The auditor's trust policy; without it only integrity is checked. */
  policy?: TrustPolicy;
  /**
   * The caller chose integrity only (no policy): a packet that passes every integrity check gets
   * the verdict `intact`, never `pass`. Not allowed together with a policy.
   */
  integrityOnly?: boolean;
  /**
   * How an unmet dual-control threshold is reported: `warn` makes the verdict `incomplete`
   * (exit 4), `fail` makes it a failure.
   */
  unmet?: 'fail' | 'warn';
  command?: string;
  limits?: PacketLimits;
  onProgress?: (bytes: number) => void;
  /**
   * List every evidence file with size and SHA-256 in the facts (for the auditor's report; memory
   * grows with the number of files, so JSON output leaves it off unless asked).
   */
  listEvidence?: boolean;
  /** Entry digests taken as the packet's bytes streamed elsewhere (see ReadOptions). */
  streamed?: Pick<ReadOptions, 'contentDigests' | 'contentDigestsReach'>;
}

export interface VerifyOutcome {
  report: Report;
  reading: PacketReading;
  signatures?: SignatureStage;
}

/**
 * Verify a packet offline, in stages: integrity (every entry, the manifest, every covered file);
 * then, with a policy, time-stamps, signatures and keys at the trusted time; then dual control.
 * A later stage runs only when the earlier ones passed. Never touches the network.
 */
export async function verifyPacket(path: string, options: VerifyOptions): Promise<VerifyOutcome> {
  if (options.integrityOnly === true && options.policy !== undefined) {
    throw usageError('BAD_ARGUMENTS', 'integrity-only verification takes no trust policy', { hint: 'pass either a policy or integrity only, not both' });
  }
  const reading = await readPacket(path, {
    // Only the signature checks need the manifest's bytes; without a policy they stay on disk.
    keepManifest: options.policy !== undefined,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.listEvidence === true ? { listPayload: true } : {}),
    ...options.streamed,
  });
  const checks: Check[] = [...reading.checks];
  let stage: SignatureStage | undefined;
  if (options.policy === undefined) {
    if (reading.unsealed.signatures.size > 0) {
      checks.push({
        id: 'signature',
        status: 'skip',
        code: 'NO_POLICY',
        message: `${plural(reading.unsealed.signatures.size, 'signature', 'signatures')} not checked: no trust policy given`,
        hint: 'pass --policy FILE to check signatures, time-stamps and dual control',
      });
    }
  } else if (!reading.intact) {
    checks.push({ id: 'signature', status: 'skip', code: 'PACKET_NOT_INTACT', message: 'signatures not checked: the packet failed its integrity checks' });
  } else {
    const unmet = options.unmet ?? 'warn';
    // The cryptographic stages load on demand, so integrity-only verification starts fast.
    const [{ timestampLookup }, { verifySignatures }] = await Promise.all([import('./timestamps.js'), import('./signatures.js')]);
    const lookup = timestampLookup(reading, options.policy, options.now);
    stage = await verifySignatures(reading, options.policy, options.now, lookup, unmet);
    checks.push(...stage.checks);
  }
  // Loaded only with a policy, like the stages above.
  let trustFacts: TrustFacts = {};
  if (options.policy !== undefined) {
    const { policyFacts, stageFacts } = await import('./trust-facts.js');
    trustFacts = { policy: policyFacts(options.policy), ...(stage === undefined ? {} : stageFacts(stage)) };
  }
  const report = makeReport({
    command: options.command ?? 'verify',
    subject: path,
    evaluatedAt: formatRfc3339(options.now),
    checks,
    facts: packetFacts(reading, trustFacts),
    integrityOnly: options.integrityOnly === true,
    incomplete: stage !== undefined && (!stage.dualControl.satisfied || stage.findings.some((f) => f.pendingTimestamp === true)),
  });
  return { report, reading, ...(stage === undefined ? {} : { signatures: stage }) };
}
