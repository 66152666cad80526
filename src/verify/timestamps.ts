import { fail, pass, type Check } from '../core/result.js';
import { formatRfc3339 } from '../core/time.js';
import { unsealedPath } from '../packet/format.js';
import type { PacketReading } from '../packet/reader.js';
import { loadCertificates, verifyTimeStamp, type TrustedTsa } from '../timestamp/index.js';
import type { TrustPolicy } from '../trust/index.js';
import type { TrustedTimeLookup } from './signatures.js';

/**
 * The time-stamp stage: each `timestamps/<FPR>.tsr` must be a valid RFC 3161 token over the
 * bytes of `signatures/<FPR>.asc`, chaining to a TSA root the policy trusts (certificates in the
 * token are candidates, never anchors). Its genTime becomes the time at which the signature's key
 * is judged. A time-stamp that is present but invalid fails, whether or not the policy requires one.
 * A required one that is missing is not there yet (the ceremony stamps after signing): it gets
 * `missingStatus`, like an unmet dual-control rule, so `status` shows progress (exit 4), not a failure.
 */
export function timestampLookup(reading: PacketReading, policy: TrustPolicy, missingStatus: 'fail' | 'warn' = 'fail'): TrustedTimeLookup {
  const { trusted, problems } = trustedTsas(policy);
  let reported = false;
  return (fingerprint) => {
    const checks: Check[] = [];
    if (!reported) {
      checks.push(...problems);
      reported = true;
    }
    const required = policy.require.timestamps;
    const token = reading.unsealed.timestamps.get(fingerprint);
    const signature = reading.unsealed.signatures.get(fingerprint);
    const subject = unsealedPath('timestamps', fingerprint);
    if (token === undefined || signature === undefined) {
      if (required) checks.push(fail('timestamp', 'TIMESTAMP_MISSING', `${subject} is missing; the policy requires a trusted time-stamp for every signature`, { subject, status: missingStatus }));
      return { checks, required };
    }
    const result = verifyTimeStamp(token, signature, trusted);
    if (!result.ok || result.genTime === undefined) {
      const step = result.checks.find((c) => c.status === 'fail');
      checks.push(
        fail('timestamp', result.code, result.message, {
          subject,
          ...(step === undefined ? {} : { cause: `${step.id}: ${step.message}` }),
        }),
      );
      return { checks, required };
    }
    checks.push(
      pass('timestamp', `trusted time ${formatRfc3339(result.genTime)} from ${result.trustedTsa ?? result.tsa ?? 'a trusted TSA'}`, {
        subject,
        data: {
          genTime: result.genTime.toISOString(),
          ...(result.accuracyMs === undefined ? {} : { accuracyMs: result.accuracyMs }),
          ...(result.tsa === undefined ? {} : { tsa: result.tsa }),
          ...(result.trustedTsa === undefined ? {} : { trustedTsa: result.trustedTsa }),
          ...(result.serial === undefined ? {} : { serial: result.serial }),
        },
      }),
    );
    return { checks, genTime: result.genTime, required };
  };
}

function trustedTsas(policy: TrustPolicy): { trusted: TrustedTsa[]; problems: Check[] } {
  const trusted: TrustedTsa[] = [];
  const problems: Check[] = [];
  for (const tsa of policy.tsa) {
    const roots: Uint8Array[] = [];
    for (const root of tsa.roots) {
      try {
        roots.push(...loadCertificates(root.pem));
      } catch (error) {
        problems.push(fail('policy.tsa', 'POLICY_TSA_ROOT_INVALID', `TSA root ${root.source} of ${tsa.name} is not a readable certificate`, { cause: (error as Error).message }));
      }
    }
    trusted.push({ name: tsa.name, roots });
  }
  return { trusted, problems };
}
