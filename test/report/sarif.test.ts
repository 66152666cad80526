import { describe, expect, it } from 'vitest';
import { fail, makeReport, pass, warn } from '../../src/core/result.js';
import { renderSarif, SARIF_SCHEMA } from '../../src/report/index.js';

const report = makeReport({
  command: 'validate',
  subject: 'contracts',
  evaluatedAt: '2026-11-23T12:00:00Z',
  checks: [
    pass('schema', 'fine', { location: { file: 'contracts/a.yaml' } }),
    fail('binding.tenant-exists', 'TENANT_NOT_FOUND', 'missing', {
      location: { file: 'contracts/my folder/b.yaml', line: 4, column: 9, endLine: 4, endColumn: 13 },
      hint: 'add the tenant',
    }),
    warn('capacity.reserved-within-limits', 'SOFT_LIMIT_EXCEEDED', 'over soft', { location: { file: '/abs/c.yaml', line: 2 } }),
  ],
});

interface SarifLog {
  $schema: string;
  version: string;
  runs: {
    tool: { driver: { name: string; rules: { id: string; help: { text: string }; shortDescription: { text: string } }[] } };
    results: { ruleId: string; ruleIndex: number; level: string; message: { text: string }; locations?: { physicalLocation: { artifactLocation: { uri: string }; region?: Record<string, number> } }[]; properties: { code: string } }[];
  }[];
}

describe('SARIF 2.1.0 renderer', () => {
  const log = JSON.parse(renderSarif(report, { ruleHelp: { 'binding.tenant-exists': 'A binding names a defined tenant.' } })) as SarifLog;
  const run = log.runs[0]!;

  it('has the SARIF header and one rule per check id with help text', () => {
    expect(log.$schema).toBe(SARIF_SCHEMA);
    expect(log.version).toBe('2.1.0');
    expect(run.tool.driver.name).toBe('packet');
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(['binding.tenant-exists', 'capacity.reserved-within-limits', 'schema']);
    expect(run.tool.driver.rules[0]!.help.text).toBe('A binding names a defined tenant.');
    for (const rule of run.tool.driver.rules) expect(rule.help.text.length).toBeGreaterThan(0);
  });

  it('reports problems only, with levels, rule indexes, codes and regions', () => {
    expect(run.results).toHaveLength(2);
    const [error, warning] = run.results;
    expect(error).toMatchObject({ ruleId: 'binding.tenant-exists', level: 'error', properties: { code: 'TENANT_NOT_FOUND' } });
    expect(run.tool.driver.rules[error!.ruleIndex]!.id).toBe(error!.ruleId);
    expect(error!.locations![0]!.physicalLocation).toEqual({
      artifactLocation: { uri: 'contracts/my%20folder/b.yaml' },
      region: { startLine: 4, startColumn: 9, endLine: 4, endColumn: 13 },
    });
    expect(warning!.level).toBe('warning');
    expect(warning!.locations![0]!.physicalLocation.artifactLocation.uri).toBe('file:///abs/c.yaml');
  });
});
