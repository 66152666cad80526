import { describe, expect, test } from 'vitest';
import { evaluateDualControl, matchRolesToPeople, TrustCode, type TrustPolicy } from '../../src/trust/index.js';

const FA = 'A'.repeat(40);
const FA2 = 'A'.repeat(39) + 'B';
const FB = 'B'.repeat(40);
const FC = 'C'.repeat(40);
const FX = 'F'.repeat(40);

function policy(overrides: Partial<TrustPolicy['require']> = {}, aliceRoles = ['operator']): TrustPolicy {
  return {
    source: '/policy.yaml',
    apiVersion: 'evidence-packet/v1',
    signers: [
      { id: 'alice', name: 'Alice', roles: aliceRoles, fingerprints: [FA, FA2] },
      { id: 'bob', name: 'Bob', roles: ['approver'], fingerprints: [FB] },
      { id: 'carol', name: 'Carol', roles: ['operator'], fingerprints: [FC] },
    ],
    require: { signatures: 2, roles: ['operator', 'approver'], timestamps: false, ...overrides },
    tsa: [],
  };
}
const codes = (outcome: ReturnType<typeof evaluateDualControl>): string[] => outcome.checks.map((check) => check.code);
const sig = (fingerprint: string, file = `signatures/${fingerprint}.asc`, signingKeyFingerprint?: string) =>
  signingKeyFingerprint === undefined ? { fingerprint, signatureFile: file } : { fingerprint, signatureFile: file, signingKeyFingerprint };

describe('dual control counts people', () => {
  test('two people covering both roles satisfy the policy', () => {
    const outcome = evaluateDualControl(policy(), [sig(FA), sig(FB)]);
    expect(outcome.satisfied).toBe(true);
    expect(outcome.distinctPeople).toBe(2);
    expect(outcome.roleAssignment).toEqual({ operator: 'alice', approver: 'bob' });
    expect(codes(outcome)).toEqual(['OK', 'OK']);
  });

  test('same person twice (two keys): SAME_PERSON_COUNTED_ONCE, too few people', () => {
    const outcome = evaluateDualControl(policy(), [sig(FA), sig(FA2)]);
    expect(outcome.satisfied).toBe(false);
    expect(outcome.distinctPeople).toBe(1);
    expect(outcome.missingPeople).toBe(1);
    expect(codes(outcome)).toContain(TrustCode.SAME_PERSON_COUNTED_ONCE);
    expect(codes(outcome)).toContain(TrustCode.DUAL_CONTROL_TOO_FEW_PEOPLE);
    expect(outcome.missingRoles).toEqual(['approver']);
  });

  test('same key twice: DUPLICATE_SIGNATURE_SAME_KEY', () => {
    const outcome = evaluateDualControl(policy(), [sig(FB, 'a.asc'), sig(FB, 'b.asc')]);
    expect(outcome.distinctPeople).toBe(1);
    expect(codes(outcome)).toContain(TrustCode.DUPLICATE_SIGNATURE_SAME_KEY);
    expect(outcome.satisfied).toBe(false);
  });

  test('two subkeys of one primary key: DUPLICATE_SIGNATURE_OTHER_SUBKEY', () => {
    const outcome = evaluateDualControl(policy(), [sig(FB, 'a.asc', '1'.repeat(40)), sig(FB, 'b.asc', '2'.repeat(40))]);
    expect(outcome.distinctPeople).toBe(1);
    expect(codes(outcome)).toContain(TrustCode.DUPLICATE_SIGNATURE_OTHER_SUBKEY);
    expect(outcome.satisfied).toBe(false);
  });

  test('key not in the policy: KEY_NOT_IN_POLICY, not counted', () => {
    const outcome = evaluateDualControl(policy(), [sig(FA), sig(FX)]);
    expect(outcome.distinctPeople).toBe(1);
    expect(outcome.checks.find((check) => check.code === TrustCode.KEY_NOT_IN_POLICY)?.status).toBe('fail');
  });

  test('fingerprints are matched case-insensitively', () => {
    const outcome = evaluateDualControl(policy(), [sig(FA.toLowerCase()), sig(FB)]);
    expect(outcome.satisfied).toBe(true);
  });

  test('roles not coverable by distinct people: Alice holds both but counts for one', () => {
    const outcome = evaluateDualControl(policy({ signatures: 1 }, ['operator', 'approver']), [sig(FA)]);
    expect(outcome.satisfied).toBe(false);
    expect(codes(outcome)).toContain(TrustCode.DUAL_CONTROL_ROLES_NOT_COVERED);
    expect(outcome.missingRoles).toHaveLength(1);
    expect(outcome.missingPeople).toBe(1);
  });

  test('a matching, not a greedy count: Alice (both roles) and Carol (operator) cover both roles', () => {
    // Greedy in order would give Alice "operator" and leave "approver" to Carol, who cannot.
    const outcome = evaluateDualControl(policy({}, ['operator', 'approver']), [sig(FA), sig(FC)]);
    expect(outcome.satisfied).toBe(true);
    expect(outcome.roleAssignment).toEqual({ operator: 'carol', approver: 'alice' });
  });

  test('two operators do not cover the approver role', () => {
    const outcome = evaluateDualControl(policy(), [sig(FA), sig(FC)]);
    expect(outcome.distinctPeople).toBe(2);
    expect(outcome.missingRoles).toEqual(['approver']);
    expect(outcome.missingPeople).toBe(1);
    expect(outcome.satisfied).toBe(false);
  });

  test('unmet thresholds can be reported as warnings for `status`', () => {
    const outcome = evaluateDualControl(policy(), [sig(FA)], { unmetStatus: 'warn' });
    expect(outcome.checks.filter((check) => check.id.startsWith('dual-control.')).map((check) => check.status)).toEqual(['warn', 'warn']);
  });

  test('nothing signed: everything missing', () => {
    const outcome = evaluateDualControl(policy(), []);
    expect(outcome.missingPeople).toBe(2);
    expect(outcome.missingRoles).toEqual(['operator', 'approver']);
  });
});

test('matchRolesToPeople finds a perfect matching when one exists', () => {
  const people = new Map([
    ['p1', ['a', 'b', 'c']],
    ['p2', ['a']],
    ['p3', ['a', 'b']],
  ]);
  const result = matchRolesToPeople(['a', 'b', 'c'], people);
  expect(result.uncovered).toEqual([]);
  expect(new Set(result.assignment.values()).size).toBe(3);
});
