import { formatRfc3339 } from '../core/time.js';
import { usageError } from '../core/errors.js';
import { makeReport, type Check, type Report } from '../core/result.js';
import { readPacket, type PacketReading } from '../packet/reader.js';
import type { PacketLimits } from '../packet/format.js';
import type { TrustPolicy } from '../trust/index.js';
import type { SignatureStage } from './signatures.js';
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
  const report = makeReport({
    command: options.command ?? 'verify',
    subject: path,
    evaluatedAt: formatRfc3339(options.now),
    checks,
    facts: packetFacts(reading, stage),
    integrityOnly: options.integrityOnly === true,
    incomplete: stage !== undefined && (!stage.dualControl.satisfied || stage.findings.some((f) => f.pendingTimestamp === true)),
  });
  return { report, reading, ...(stage === undefined ? {} : { signatures: stage }) };
}

export function packetFacts(reading: PacketReading, stage?: SignatureStage): Record<string, unknown> {
  const facts: Record<string, unknown> = { form: reading.form };
  if (reading.digest !== undefined) facts.digest = reading.digest;
  if (reading.metadata !== undefined) facts.packet = reading.metadata;
  facts.signatures = [...reading.unsealed.signatures.keys()];
  facts.timestamps = [...reading.unsealed.timestamps.keys()];
  facts.keys = [...reading.unsealed.keys.keys()];
  if (stage !== undefined) {
    const d = stage.dualControl;
    facts.signers = stage.findings.map((f) => ({
      file: f.file,
      fingerprint: f.fingerprint,
      counted: f.counted,
      ...(f.pendingTimestamp === true ? { pendingTimestamp: true } : {}),
      ...(f.signer === undefined ? {} : { signer: f.signer }),
      ...(f.verification?.created === undefined ? {} : { created: formatRfc3339(f.verification.created) }),
      ...(f.trustedTime === undefined ? {} : { trustedTime: formatRfc3339(f.trustedTime) }),
      ...(f.reason !== undefined ? { code: f.reason } : f.verification === undefined ? {} : { code: f.verification.code }),
    }));
    facts.dualControl = {
      satisfied: d.satisfied,
      requiredSignatures: d.requiredSignatures,
      distinctPeople: d.distinctPeople,
      missingPeople: d.missingPeople,
      requiredRoles: d.requiredRoles,
      roleAssignment: d.roleAssignment,
      missingRoles: d.missingRoles,
    };
  }
  return facts;
}
