import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, PROJECT_ROOT } from '../helpers/cli.js';

// The CI integrations as a new user would run them, from a git checkout of this repository (its
// committed HEAD): the GitHub Actions example's install step (npm install from the git
// repository) and the pre-commit hook (which packs and installs the repository). Both reach the
// npm registry for the dependencies.
const NOW = '2026-12-02T00:00:00Z';
let temp: { path: string; cleanup(): void };
let clone: string;
let sha: string;

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 280_000 });
  return { code: result.status, out: `${result.stdout}\n${result.stderr}` };
}

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

beforeAll(() => {
  temp = makeTempDir('packet-ci-');
  clone = join(temp.path, 'tool');
  expect(run('git', ['clone', '-q', PROJECT_ROOT, clone], temp.path).code).toBe(0);
  sha = run('git', ['rev-parse', 'HEAD'], clone).out.trim().split('\n')[0]!;
});
afterAll(() => temp.cleanup());

describe('the package and its CI integrations', () => {
  it('packs everything the CLI reads at run time (dist, schemas, profiles, examples)', () => {
    const packed = run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], PROJECT_ROOT);
    const files = (JSON.parse(packed.out.slice(packed.out.indexOf('['))) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    for (const needed of ['bin/packet.js', 'schemas/validate-config.schema.json', 'profiles/evidence-packet/packet.validate.yaml', 'profiles/samakia-fabric/packet.validate.yaml', 'examples/team-config/packet.validate.yaml', 'examples/evidence/CHG-2041', 'scripts/build-if-needed.mjs']) {
      expect(files.some((file) => file.startsWith(needed)), needed).toBe(true);
    }
    expect(files.some((file) => file.startsWith('src/') || file.startsWith('test/'))).toBe(false);
  });

  it('the GitHub Actions example installs from the git repository and validates', () => {
    const workflow = readFileSync(join(PROJECT_ROOT, 'examples/ci/validate-contracts.yml'), 'utf8');
    expect(workflow).toContain('npm install --global "./$(npm pack --silent)"');
    const prefix = join(temp.path, 'global');
    // The workflow's install step, in the checkout of the tool.
    const install = run('sh', ['-c', `npm ci --no-audit --no-fund && npm install --global --prefix "${prefix}" --no-audit --no-fund "./$(npm pack --silent)"`], clone);
    expect(install.code, install.out).toBe(0);
    const repo = join(temp.path, 'team');
    cpSync(join(PROJECT_ROOT, 'examples/team-config'), repo, { recursive: true });
    const packet = join(prefix, 'bin/packet');
    const good = run(packet, ['validate', '--format', 'github', '--now', NOW], repo);
    expect(good.code, good.out).toBe(0);
    writeFileSync(join(repo, 'services/search/indexer.yaml'), readFileSync(join(repo, 'services/search/indexer.yaml'), 'utf8').replace('tier-3', 'tier-9'));
    const bad = run(packet, ['validate', '--format', 'github', '--now', NOW], repo);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/^::error file=services\/search\/indexer\.yaml,line=3,endLine=3,col=7,.*title=service\.tier-known \[NOT_IN_SET\]/m);
  }, 300_000);

  it.skipIf(!hasCommand('pre-commit'))('the pre-commit hook installs from a git checkout and runs a profile', () => {
    const repo = join(temp.path, 'consumer');
    cpSync(join(PROJECT_ROOT, 'test/contracts/fixtures/samakia-fabric'), repo, { recursive: true });
    writeFileSync(
      join(repo, '.pre-commit-config.yaml'),
      `repos:\n  - repo: ${clone}\n    rev: ${sha}\n    hooks:\n      - id: packet-validate-profile\n        args: [--profile, samakia-fabric, --now, "${NOW}"]\n`,
    );
    const git = (...args: string[]) => run('git', ['-c', 'user.email=ci@example.com', '-c', 'user.name=ci', ...args], repo);
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'contracts');
    const env = { PRE_COMMIT_HOME: join(temp.path, 'pre-commit-home') };
    const passed = run('pre-commit', ['run', '--all-files'], repo, env);
    expect(passed.code, passed.out).toBe(0);
    expect(passed.out).toMatch(/packet validate \(profile\)\.+Passed/);
    const ready = join(repo, 'contracts/tenants/examples/acme/consumers/database/ready.yml');
    writeFileSync(ready, readFileSync(ready, 'utf8').replace('"ha_ready": true', '"ha_ready": false'));
    const failed = run('pre-commit', ['run', '--all-files'], repo, env);
    expect(failed.code).toBe(1);
    expect(failed.out).toContain('samakia.consumer.ha-ready [HA_NOT_READY]');
  }, 300_000);
});
