import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, runCli } from '../helpers/cli.js';

const dir = makeTempDir();
afterAll(() => dir.cleanup());

function policy(requiredRoles: string): string {
  return `apiVersion: evidence-packet/v1
kind: TrustPolicy
signers:
  - id: alice
    name: Alice Example
    roles: [operator]
    fingerprints: ["${'A'.repeat(40)}"]
  - id: bob
    name: Bob Example
    roles: [approver]
    fingerprints: ["${'B'.repeat(40)}"]
require:
  signatures: 2
  roles: [${requiredRoles}]
  timestamps: false
tsa: []
`;
}

describe('packet validate on trust policies', () => {
  it('accepts a good policy and applies the policy rules beyond the schema', async () => {
    const good = join(dir.path, 'good.yaml');
    const bad = join(dir.path, 'bad.yaml');
    writeFileSync(good, policy('operator, approver'));
    writeFileSync(bad, policy('operator, auditor'));
    expect((await runCli(['validate', good])).code).toBe(0);
    const run = await runCli(['validate', bad, '--format', 'json']);
    expect(run.code).toBe(1);
    const failed = JSON.parse(run.stdout).checks.filter((c: { status: string }) => c.status === 'fail');
    expect(failed.map((c: { id: string; code: string }) => `${c.id}:${c.code}`)).toEqual(['trust-policy:POLICY_ROLE_UNHELD']);
    expect(failed[0].location.line).toBe(14);
  });
});
