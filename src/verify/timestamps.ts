import { fail, pass, type Check } from '../core/result.js';
import { formatRfc3339 } from '../core/time.js';
import { unsealedPath } from '../packet/format.js';
import type { PacketReading } from '../packet/reader.js';
import { loadCertificates, verifyTimeStamp, type TrustedTsa } from '../timestamp/index.js';
import { DEFAULT_MAX_SKEW_MS } from '../signing/index.js';
import { findSigner, type TrustPolicy } from '../trust/index.js';
import type { TrustedTimeLookup } from './signatures.js';

/**
 * The time-stamp stage: each `timestamps/<FPR>.tsr` must be a valid RFC 3161 token over the
 * bytes of `signatures/<FPR>.asc`, chaining to a TSA root the policy trusts (certificates in the
 * token are candidates, never anchors). Its genTime becomes the time at which the signature's key
 * is judged. A time-stamp that is present but invalid fails, whether or not the policy requires one.
 *
 * A token whose genTime is later than the evaluation time plus the clock skew allowed for
 * signatures (5 minutes, DEFAULT_MAX_SKEW_MS) does not count: it proves nothing about that time.
 * The token of a signature whose file name is a fingerprint the policy does not pin is not checked
 * at all (that signature can never count): cheap rejections come before cryptography.
 */
export function timestampLookup(reading: PacketReading, policy: TrustPolicy, now: Date): TrustedTimeLookup {
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
    if (token === undefined || signature === undefined) return { checks, required, present: false };
    if (findSigner(policy, fingerprint) === undefined) {
      checks.push({ id: 'timestamp', status: 'skip', code: 'NOT_CHECKED', message: 'not checked: the signature is named for a fingerprint the policy does not pin', subject });
      return { checks, required, present: true };
    }
    const result = verifyTimeStamp(token, signature, trusted, { notAfter: new Date(now.getTime() + DEFAULT_MAX_SKEW_MS) });
    if (!result.ok || result.genTime === undefined) {
      const step = result.checks.find((c) => c.status === 'fail');
      checks.push(
        fail('timestamp', result.code, result.message, {
          subject,
          ...(step === undefined ? {} : { cause: `${step.id}: ${step.message}` }),
        }),
      );
      return { checks, required, present: true };
    }
    checks.push(
      pass('timestamp', `trusted time ${formatRfc3339(result.genTime)} from ${result.trustedTsa ?? result.tsa ?? 'a trusted TSA'}`, {
        subject,
        data: {
          genTime: formatRfc3339(result.genTime),
          ...(result.accuracyMs === undefined ? {} : { accuracyMs: result.accuracyMs }),
          ...(result.tsa === undefined ? {} : { tsa: result.tsa }),
          ...(result.trustedTsa === undefined ? {} : { trustedTsa: result.trustedTsa }),
          ...(result.serial === undefined ? {} : { serial: result.serial }),
        },
      }),
    );
    const authority = {
      ...(result.trustedTsa === undefined ? {} : { name: result.trustedTsa }),
      ...(result.tsa === undefined ? {} : { subject: result.tsa }),
      ...(result.serial === undefined ? {} : { serial: result.serial }),
      ...(result.accuracyMs === undefined ? {} : { accuracyMs: result.accuracyMs }),
    };
    return { checks, genTime: result.genTime, authority, required, present: true };
  };
}

/** The policy's TSAs as the verifier takes them; certificates that do not parse become problems. */
export function trustedTsas(policy: TrustPolicy): { trusted: TrustedTsa[]; problems: Check[] } {
  const trusted: TrustedTsa[] = [];
  const problems: Check[] = [];
  for (const tsa of policy.tsa) {
    const load = (entries: { source: string; pem: string }[], code: string, what: string): Uint8Array[] =>
      entries.flatMap((entry) => {
        try {
          return loadCertificates(entry.pem);
        } catch (error) {
          problems.push(fail('policy.tsa', code, `${what} ${entry.source} of ${tsa.name} is not a usable certificate`, { cause: (error as Error).message }));
          return [];
        }
      });
    trusted.push({
      name: tsa.name,
      roots: load(tsa.roots, 'POLICY_TSA_ROOT_INVALID', 'TSA root'),
      certificates: load(tsa.certificates ?? [], 'POLICY_TSA_CERT_INVALID', 'TSA certificate'),
    });
  }
  return { trusted, problems };
}
