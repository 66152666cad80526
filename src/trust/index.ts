/** Trust policy and dual control: the library API of this module. */
export { TrustCode } from './codes.js';
export type { TrustPolicy, PolicySigner, TrustedTsa } from './policy-types.js';
export { loadTrustPolicy, validateTrustPolicyFile, TrustPolicyError, MAX_POLICY_BYTES, TRUST_POLICY_SCHEMA_ID, type PolicyValidation } from './policy.js';
export {
  evaluateDualControl,
  findSigner,
  type CountedSignature,
  type CountedPerson,
  type DualControlOutcome,
  type DualControlOptions,
} from './dual-control.js';
export { matchRolesToPeople, type RoleMatching } from './matching.js';
