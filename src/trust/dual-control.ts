/**
 * Dual control counts people, not keys or files: signatures are first reduced to primary
 * fingerprints pinned in the policy, then to policy signer ids; the thresholds apply to those.
 */
import { fail, pass, type Check, type CheckStatus } from '../core/result.js';
import { normalizeFingerprint } from '../signing/keys.js';
import { TrustCode } from './codes.js';
import { matchRolesToPeople } from './matching.js';
import type { PolicySigner, TrustPolicy } from './policy-types.js';

/** A signature that verified (see verifyDetachedSignature) and so may count. */
export interface CountedSignature {
  /** Primary fingerprint of the signing key. */
  fingerprint: string;
  /** Where it was found, e.g. `signatures/<FPR>.asc`. */
  signatureFile: string;
  /** The (sub)key that signed, when known; tells "same key twice" from "two subkeys". */
  signingKeyFingerprint?: string;
}

export interface CountedPerson {
  signerId: string;
  name: string;
  roles: string[];
  fingerprints: string[];
  signatureFiles: string[];
}

export interface DualControlOutcome {
  satisfied: boolean;
  people: CountedPerson[];
  requiredSignatures: number;
  distinctPeople: number;
  /** How many more distinct people must sign (covers both the count and the uncovered roles). */
  missingPeople: number;
  requiredRoles: string[];
  /** role -> signer id covering it. */
  roleAssignment: Record<string, string>;
  missingRoles: string[];
  checks: Check[];
}

export interface DualControlOptions {
  /** Status of the threshold checks while unmet: `fail` for verify (default), e.g. `warn` for status. */
  unmetStatus?: CheckStatus;
}

/** The policy signer who pinned this primary fingerprint, if any. */
export function findSigner(policy: TrustPolicy, fingerprint: string): PolicySigner | undefined {
  const wanted = normalizeFingerprint(fingerprint);
  if (wanted === undefined) return undefined;
  return policy.signers.find((signer) => signer.fingerprints.includes(wanted));
}

export function evaluateDualControl(policy: TrustPolicy, counted: readonly CountedSignature[], options: DualControlOptions = {}): DualControlOutcome {
  const unmet = options.unmetStatus ?? 'fail';
  const checks: Check[] = [];
  const people = new Map<string, CountedPerson>();
  const seenKeys = new Map<string, { file: string; signingKey: string | undefined }>();

  for (const entry of counted) {
    const signer = findSigner(policy, entry.fingerprint);
    const fingerprint = normalizeFingerprint(entry.fingerprint) ?? entry.fingerprint;
    if (signer === undefined) {
      checks.push(fail('signature.pinned', TrustCode.KEY_NOT_IN_POLICY, `${entry.signatureFile}: key ${fingerprint} is not pinned by the trust policy, so it does not count`, {
        subject: entry.signatureFile,
        data: { fingerprint },
        hint: 'add the fingerprint to a signer in the policy if this person is approved',
      }));
      continue;
    }
    const earlier = seenKeys.get(fingerprint);
    if (earlier !== undefined) {
      const sameSubkey = earlier.signingKey === undefined || entry.signingKeyFingerprint === undefined || earlier.signingKey === entry.signingKeyFingerprint;
      checks.push({
        id: 'signature.distinct',
        status: 'info',
        code: sameSubkey ? TrustCode.DUPLICATE_SIGNATURE_SAME_KEY : TrustCode.DUPLICATE_SIGNATURE_OTHER_SUBKEY,
        message: sameSubkey
          ? `${entry.signatureFile}: key ${fingerprint} already signed (${earlier.file}); it counts once`
          : `${entry.signatureFile}: another subkey of ${fingerprint} already signed (${earlier.file}); one primary key counts once`,
        subject: entry.signatureFile,
        data: { fingerprint, signerId: signer.id },
      });
      continue;
    }
    seenKeys.set(fingerprint, { file: entry.signatureFile, signingKey: entry.signingKeyFingerprint });
    const person = people.get(signer.id);
    if (person !== undefined) {
      person.fingerprints.push(fingerprint);
      person.signatureFiles.push(entry.signatureFile);
      checks.push({
        id: 'signature.distinct',
        status: 'info',
        code: TrustCode.SAME_PERSON_COUNTED_ONCE,
        message: `${entry.signatureFile}: ${signer.id} already signed with another key; a person counts once`,
        subject: entry.signatureFile,
        data: { fingerprint, signerId: signer.id },
      });
      continue;
    }
    people.set(signer.id, { signerId: signer.id, name: signer.name, roles: [...signer.roles], fingerprints: [fingerprint], signatureFiles: [entry.signatureFile] });
  }

  const required = policy.require.signatures;
  const distinct = people.size;
  const roleHolders = new Map([...people].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([id, person]) => [id, person.roles] as const));
  const matching = matchRolesToPeople(policy.require.roles, roleHolders);
  const missingPeople = Math.max(required - distinct, matching.uncovered.length, 0);

  const peopleData = { have: distinct, need: required, missing: Math.max(required - distinct, 0), signers: [...people.keys()] };
  checks.push(
    distinct >= required
      ? pass('dual-control.people', `${distinct} distinct people signed; the policy requires ${required}`, { data: peopleData })
      : { id: 'dual-control.people', status: unmet, code: TrustCode.DUAL_CONTROL_TOO_FEW_PEOPLE, message: `${distinct} of ${required} required distinct people signed`, data: peopleData },
  );
  const assignment = Object.fromEntries(matching.assignment);
  if (policy.require.roles.length > 0) {
    const rolesData = { assignment, missingRoles: matching.uncovered };
    checks.push(
      matching.uncovered.length === 0
        ? pass('dual-control.roles', `every required role is covered by a different person`, { data: rolesData })
        : {
            id: 'dual-control.roles',
            status: unmet,
            code: TrustCode.DUAL_CONTROL_ROLES_NOT_COVERED,
            message: `role${matching.uncovered.length > 1 ? 's' : ''} ${matching.uncovered.join(', ')} not covered by a distinct person`,
            data: rolesData,
          },
    );
  }

  return {
    satisfied: distinct >= required && matching.uncovered.length === 0,
    people: [...people.values()],
    requiredSignatures: required,
    distinctPeople: distinct,
    missingPeople,
    requiredRoles: [...policy.require.roles],
    roleAssignment: assignment,
    missingRoles: matching.uncovered,
    checks,
  };
}
