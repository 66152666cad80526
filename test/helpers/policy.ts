/**
 * The two-person trust policy the ceremony fixtures share: alice (operator) and bob (approver),
 * each pinned by fingerprint with the current public key beside the policy (alice.pub.asc,
 * bob.pub.asc), two signatures with both roles, time-stamps from the TSA root in tsa-root.pem.
 */
export function twoPersonPolicy(alice: string, bob: string, options: { aliceName?: string; tsaName: string }): string {
  return `apiVersion: evidence-packet/v1
kind: TrustPolicy
signers:
  - id: alice
    name: ${JSON.stringify(options.aliceName ?? 'Alice Example')}
    roles: [operator]
    fingerprints: ["${alice}"]
    key: alice.pub.asc
  - id: bob
    name: Bob Example
    roles: [approver]
    fingerprints: ["${bob}"]
    key: bob.pub.asc
require:
  signatures: 2
  roles: [operator, approver]
  timestamps: true
tsa:
  - name: ${options.tsaName}
    roots: [tsa-root.pem]
`;
}
