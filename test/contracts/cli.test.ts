import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runBin, runCli } from '../helpers/cli.js';
import { RULE_FIXTURES_DIR, contractsWithOverlay } from './helpers.js';

const NOW = ['--now', '2026-11-23T12:00:00Z'];

function failingCopy(): { dir: string; cleanup(): void } {
  return contractsWithOverlay(join(RULE_FIXTURES_DIR, 'binding.environment-enabled/contracts'));
}

describe('packet validate', () => {
  it('validates contracts/ relative to the working folder by default: exit 0', async () => {
    const run = await runCli(['validate', ...NOW], { cwd: PROJECT_ROOT });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^packet validate contracts: PASS \(0 failed, 0 warnings, \d+ passed\)\n  documents checked: Tenant 2, Binding 4, Capacity 2, Proposal 2, TrustPolicy 0 /);
  });

  it('exits 1 on an invalid contract, naming file:line:column, rule id and code', async () => {
    const copy = failingCopy();
    try {
      const run = await runCli(['validate', copy.dir, ...NOW]);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/FAIL \S+reports-dev\.yaml:\d+:\d+: binding\.environment-enabled \[ENVIRONMENT_NOT_ENABLED\] /);
    } finally {
      copy.cleanup();
    }
  });

  it('--format json gives the shared envelope', async () => {
    const run = await runCli(['validate', '--format', 'json', ...NOW]);
    const report = JSON.parse(run.stdout) as { format: string; command: string; verdict: string; evaluatedAt: string };
    expect(report).toMatchObject({ format: 'evidence-packet/output/v1', command: 'validate', subject: '', verdict: 'pass', evaluatedAt: '2026-11-23T12:00:00Z' });
  });

  it('--format github and sarif render the failures', async () => {
    const copy = failingCopy();
    try {
      const github = await runCli(['validate', copy.dir, '--format', 'github', ...NOW]);
      expect(github.code).toBe(1);
      expect(github.stdout).toMatch(/^::error file=\S+reports-dev\.yaml,line=\d+,endLine=\d+,col=\d+,endColumn=\d+,title=binding\.environment-enabled \[ENVIRONMENT_NOT_ENABLED\]::/m);
      const sarif = await runCli(['validate', copy.dir, '--format', 'sarif', ...NOW]);
      expect(sarif.code).toBe(1);
      const log = JSON.parse(sarif.stdout) as { version: string; runs: { results: { ruleId: string }[]; tool: { driver: { rules: { id: string; help: { text: string } }[] } } }[] };
      expect(log.version).toBe('2.1.0');
      expect(log.runs[0]!.results.map((r) => r.ruleId)).toEqual(['binding.environment-enabled']);
      const rule = log.runs[0]!.tool.driver.rules.find((r) => r.id === 'binding.environment-enabled');
      expect(rule?.help.text).toMatch(/enabled/);
    } finally {
      copy.cleanup();
    }
  });

  it('exits 2 for a path that does not exist, an unknown flag, a bad --now or --format', async () => {
    const missing = await runCli(['validate', 'no/such/dir', ...NOW]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^packet: path ".*no\/such\/dir" does not exist\nhint: /);
    expect((await runCli(['validate', '--frobnicate'])).code).toBe(2);
    expect((await runCli(['validate', '--now', 'yesterday'])).code).toBe(2);
    expect((await runCli(['validate', '--format', 'xml'])).code).toBe(2);
  });

  it('--print-hash prints the content hash of each proposal', async () => {
    const run = await runCli(['validate', '--print-hash', 'contracts/acme']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('sha256:4c30398a5b9499b566d7972444f866d2af179d23c177e546d2234b9cc9d83fc9  contracts/acme/proposals/acme-2026-0042.yaml\n');
  });

  it('the built binary gives the same exit codes', () => {
    expect(runBin(['validate', ...NOW]).code).toBe(0);
    expect(runBin(['validate', 'missing-folder']).code).toBe(2);
    const copy = failingCopy();
    try {
      expect(runBin(['validate', copy.dir, ...NOW]).code).toBe(1);
    } finally {
      copy.cleanup();
    }
  });
});
