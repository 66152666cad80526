import { cpSync, readFileSync, writeFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfigFile, validateWithConfig } from '../../src/contracts/index.js';
import { makeTempDir, PROJECT_ROOT, runCli } from '../helpers/cli.js';

// examples/team-config: a made-up team layout validated by its packet.validate.yaml alone
// (draft-07 schemas without $id, kinds matched by path, declared rules and CEL).
const EXAMPLE = join(PROJECT_ROOT, 'examples/team-config');
const NOW = '2026-12-02T00:00:00Z';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

function copy(): string {
  const temp = makeTempDir('packet-team-');
  cleanups.push(temp.cleanup);
  const dir = join(temp.path, 'repo');
  cpSync(EXAMPLE, dir, { recursive: true });
  return dir;
}

function edit(dir: string, file: string, from: string | RegExp, to: string): void {
  const path = join(dir, file);
  const text = readFileSync(path, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`${file}: nothing replaced`);
  writeFileSync(path, next);
}

async function problems(dir: string, now = NOW) {
  const report = await validateWithConfig(loadConfigFile(join(dir, 'packet.validate.yaml'), dir), { now: new Date(now) });
  return report.checks.filter((c) => c.status === 'fail' || c.status === 'warn');
}

describe('examples/team-config', () => {
  it('validates as the docs say: from its folder, and with --config from the repository root', async () => {
    const here = await runCli(['validate', '--now', NOW], { cwd: EXAMPLE });
    expect(here.code, here.stderr).toBe(0);
    expect(here.stdout).toContain('documents checked: Team 2, Service 3, Release 1');
    const root = await runCli(['validate', '--config', 'examples/team-config/packet.validate.yaml', '--now', NOW, '--format', 'json'], { cwd: PROJECT_ROOT });
    expect(root.code, root.stderr).toBe(0);
    expect(JSON.parse(root.stdout).verdict).toBe('pass');
  });

  const cases: { name: string; rule: string; code: string; file: string; status?: string; change: (dir: string) => void }[] = [
    { name: 'a service of an unknown team', rule: 'service.team-exists', code: 'REF_NOT_FOUND', file: 'services/search/indexer.yaml', change: (d) => rmSync(join(d, 'teams/search.yaml')) },
    { name: 'min above max', rule: 'service.replicas', code: 'COMPARISON_FAILED', file: 'services/payments/ledger.yaml', change: (d) => edit(d, 'services/payments/ledger.yaml', 'min: 3', 'min: 7') },
    { name: 'a tier-1 service on one replica (CEL)', rule: 'service.tier-1-redundant', code: 'EXPRESSION_FALSE', file: 'services/payments/gateway.yaml', change: (d) => edit(d, 'services/payments/gateway.yaml', 'min: 2', 'min: 1') },
    { name: 'a runbook outside docs/runbooks', rule: 'service.runbook', code: 'FILE_NOT_UNDER', file: 'services/payments/ledger.yaml', change: (d) => edit(d, 'services/payments/ledger.yaml', 'docs/runbooks/ledger.md', 'README.md') },
    { name: 'an unknown tier', rule: 'service.tier-known', code: 'NOT_IN_SET', file: 'services/search/indexer.yaml', change: (d) => edit(d, 'services/search/indexer.yaml', 'tier-3', 'tier-9') },
    { name: 'a hard budget exceeded', rule: 'team.cpu-budget', code: 'LIMIT_EXCEEDED', file: 'services/payments/ledger.yaml', change: (d) => edit(d, 'teams/payments.yaml', 'maxReplicas: 12', 'maxReplicas: 5') },
    { name: 'a soft budget exceeded warns', rule: 'team.cpu-budget', code: 'LIMIT_EXCEEDED', status: 'warn', file: 'services/search/indexer.yaml', change: (d) => edit(d, 'teams/search.yaml', 'maxReplicas: 6', 'maxReplicas: 2') },
    { name: 'a self-approved release (CEL)', rule: 'release.not-self-approved', code: 'EXPRESSION_FALSE', file: 'releases/ledger-v2-4-0.yaml', change: (d) => edit(d, 'releases/ledger-v2-4-0.yaml', 'approvedBy: grace@', 'approvedBy: ada@') },
  ];
  for (const testCase of cases) {
    it(`${testCase.name}: ${testCase.rule} ${testCase.code}`, async () => {
      const dir = copy();
      testCase.change(dir);
      const found = await problems(dir);
      const hit = found.find((c) => c.id === testCase.rule && c.code === testCase.code);
      expect(hit, JSON.stringify(found, null, 1)).toBeDefined();
      expect(hit!.status).toBe(testCase.status ?? 'fail');
      expect(hit!.location).toMatchObject({ file: join(dir, testCase.file) });
      expect(hit!.location?.line).toBeGreaterThan(0);
      expect(found.filter((c) => c.id !== testCase.rule)).toEqual([]);
    });
  }

  it('a data list with a document extension is data, not a document; a JSON list of 300,000 values is read', async () => {
    const dir = copy();
    writeFileSync(join(dir, 'teams/tiers.json'), JSON.stringify(['tier-1', 'tier-2', 'tier-3', ...Array.from({ length: 300_000 }, (_, i) => `x${i}`)]));
    edit(dir, 'packet.validate.yaml', 'tiers: { list: data/tiers.txt }', 'tiers: { list: teams/tiers.json }');
    expect(await problems(dir)).toEqual([]);
    edit(dir, 'services/search/indexer.yaml', 'tier-3', 'tier-9');
    expect((await problems(dir)).map((c) => `${c.id}:${c.code}`)).toEqual(['service.tier-known:NOT_IN_SET']);
  });

  it('a link to a file outside the repository is never read as a document', async () => {
    const dir = copy();
    const outside = join(dir, '..', 'outside.yaml');
    writeFileSync(outside, 'name: secret-service\nteam: payments\n');
    symlinkSync(outside, join(dir, 'services/payments/linked.yaml'));
    symlinkSync(join(dir, 'services/payments/ledger.yaml'), join(dir, 'services/payments/ledger-again.yaml'));
    const report = await validateWithConfig(loadConfigFile(join(dir, 'packet.validate.yaml'), dir), { now: new Date(NOW) });
    const files = report.checks.map((c) => c.location?.file ?? '').filter((f) => f !== '');
    expect(files.some((f) => f.endsWith('linked.yaml'))).toBe(false);
    // A link to a file inside the repository is followed: the ledger counts twice.
    expect(report.facts?.documents).toMatchObject({ Service: 4 });
  });

  it('reports in SARIF with the related location of the other document', async () => {
    const dir = copy();
    edit(dir, 'teams/payments.yaml', 'maxReplicas: 12', 'maxReplicas: 5');
    const run = await runCli(['validate', '--now', NOW, '--format', 'sarif'], { cwd: dir });
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout).runs[0].results.find((r: { ruleId: string }) => r.ruleId === 'team.cpu-budget');
    expect(result.relatedLocations[0].physicalLocation.artifactLocation.uri).toMatch(/teams\/payments\.yaml$/);
    expect(result.relatedLocations[0].physicalLocation.region.startLine).toBeGreaterThan(0);
    const text = await runCli(['validate', '--now', NOW], { cwd: dir });
    expect(text.stdout).toMatch(/related: .*teams\/payments\.yaml:3:\d+/);
  });
});

describe('a bad config is a usage error at its file, line and column', () => {
  const bad: { name: string; change: (dir: string) => void; code: string; where: RegExp }[] = [
    { name: 'an unknown field', code: 'CONFIG_UNKNOWN_FIELD', where: /packet\.validate\.yaml:10:3: unknown field "extension" in the validate config at \/documents/, change: (d) => edit(d, 'packet.validate.yaml', '  unmatched: error', '  unmatched: error\n  extension: [.yml]') },
    { name: 'a glob that matches nothing', code: 'CONFIG_GLOB_EMPTY', where: /packet\.validate\.yaml:7:36: the document glob "release\/\*\*" matches no file/, change: (d) => edit(d, 'packet.validate.yaml', 'releases/**]', 'release/**]') },
    { name: 'a schema that does not compile', code: 'SCHEMA_INVALID', where: /packet\.validate\.yaml:11:\d+: schema .*team\.schema\.json is not a valid draft-07 schema/, change: (d) => edit(d, 'schemas/team.schema.json', '"type": "object",', '"type": "objekt",') },
    { name: 'a $ref that does not resolve', code: 'SCHEMA_REF_UNRESOLVED', where: /packet\.validate\.yaml:\d+:\d+: schema .*service\.schema\.json does not compile: can't resolve reference/, change: (d) => edit(d, 'schemas/service.schema.json', 'common.schema.json#/definitions/name" },\n    "team"', 'missing.schema.json#/definitions/name" },\n    "team"') },
    { name: 'a CEL expression that does not parse', code: 'CONFIG_RULE_INVALID', where: /packet\.validate\.yaml:\d+:\d+: rule "release\.not-self-approved": the CEL expression does not compile: Unexpected token/, change: (d) => edit(d, 'packet.validate.yaml', 'expr: doc.approvedBy != doc.requestedBy', 'expr: doc.approvedBy != ') },
    { name: 'a CEL expression that does not type-check', code: 'CONFIG_RULE_INVALID', where: /rule "release\.not-self-approved": the CEL expression does not compile: Unknown variable: approver/, change: (d) => edit(d, 'packet.validate.yaml', 'expr: doc.approvedBy != doc.requestedBy', 'expr: approver != doc.requestedBy') },
    { name: 'a rule naming an unknown kind', code: 'CONFIG_RULE_INVALID', where: /packet\.validate\.yaml:\d+:\d+: rule "release\.service-exists": names the unknown kind "Servce"/, change: (d) => edit(d, 'packet.validate.yaml', 'ref: { field: /service, kind: Service }', 'ref: { field: /service, kind: Servce }') },
    { name: 'an unknown $schema dialect', code: 'SCHEMA_DIALECT_UNKNOWN', where: /schema .*release\.schema\.json declares the unknown dialect "http:\/\/json-schema\.org\/draft-04\/schema#"/, change: (d) => edit(d, 'schemas/release.schema.json', 'draft-07', 'draft-04') },
    { name: 'a missing data list', code: 'CONFIG_DATA_MISSING', where: /packet\.validate\.yaml:\d+:\d+: data "tiers": the list file data\/tiers\.txt does not exist/, change: (d) => rmSync(join(d, 'data/tiers.txt')) },
  ];
  for (const testCase of bad) {
    it(testCase.name, async () => {
      const dir = copy();
      testCase.change(dir);
      const run = await runCli(['validate', '--now', NOW], { cwd: dir });
      expect(run.code, run.stdout + run.stderr).toBe(2);
      expect(run.stderr).toMatch(testCase.where);
      expect(run.stderr).not.toMatch(/internal error/);
    });
  }

  it('a 10 MB schema is refused by size, naming it', async () => {
    const dir = copy();
    writeFileSync(join(dir, 'schemas/huge.json'), `{"description": "${'x'.repeat(10 * 1024 * 1024)}"}`);
    const run = await runCli(['validate', '--now', NOW], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/schema .*huge\.json is \d+ bytes, more than the limit/);
  });

  it('a $ref cycle is reported on the document, not a crash', async () => {
    const dir = copy();
    writeFileSync(join(dir, 'schemas/release.schema.json'), JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', $ref: '#' }));
    const run = await runCli(['validate', '--now', NOW, '--format', 'json'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).checks.find((c: { code: string }) => c.code === 'SCHEMA_UNEVALUABLE')?.location.file).toMatch(/releases\/ledger-v2-4-0\.yaml$/);
  });

  it('--config and --profile together, and an unknown profile, are usage errors; --list-profiles lists them', async () => {
    expect((await runCli(['validate', '--config', 'x.yaml', '--profile', 'evidence-packet'])).code).toBe(2);
    const unknown = await runCli(['validate', '--profile', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('evidence-packet, samakia-fabric');
    const list = await runCli(['validate', '--list-profiles']);
    expect(list.stdout).toBe('evidence-packet\nsamakia-fabric\n');
  });
});
