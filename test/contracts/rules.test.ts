import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DOCUMENT_RULES, loadProfile, ruleCatalogue, validateContracts } from '../../src/contracts/index.js';
import { contractsWithOverlay, NOW, RULE_FIXTURES_DIR, ruleFixtureNames, CONTRACTS_DIR } from './helpers.js';

interface Expectation {
  rule: string;
  code: string;
  /** Other rules that fail as a direct consequence of the same defect. */
  also: string[];
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

describe('bundled contracts', () => {
  it('pass every schema and rule, without warnings', async () => {
    const report = await validateContracts([CONTRACTS_DIR], { now: NOW });
    expect(report.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(report.verdict).toBe('pass');
    expect(report.facts?.documents).toEqual({ Tenant: 2, Binding: 4, Capacity: 2, Proposal: 2, TrustPolicy: 0 });
  });
});

describe('each semantic rule has a failing fixture', () => {
  const names = ruleFixtureNames();
  const allRules = [...ruleCatalogue(loadProfile('evidence-packet', '.').config).filter((rule) => rule.id !== 'trust-policy'), ...DOCUMENT_RULES].map((rule) => rule.id);

  it('covers every rule id', () => {
    expect(names).toEqual([...allRules].sort());
  });

  for (const name of names) {
    it(name, async () => {
      const dir = join(RULE_FIXTURES_DIR, name);
      const expected = JSON.parse(readFileSync(join(dir, 'expect.json'), 'utf8')) as Expectation;
      const copy = contractsWithOverlay(join(dir, 'contracts'));
      cleanups.push(copy.cleanup);
      const report = await validateContracts([copy.dir], { now: NOW });
      const failing = report.checks.filter((c) => c.status === 'fail');
      const hit = failing.find((c) => c.id === expected.rule && c.code === expected.code);
      expect(hit, JSON.stringify(failing, null, 1)).toBeDefined();
      expect(hit!.location?.file).toContain(copy.dir);
      expect(hit!.location?.line).toBeGreaterThan(0);
      expect(hit!.location?.column).toBeGreaterThan(0);
      const unexpected = failing.filter((c) => c.id !== expected.rule && !expected.also.includes(c.id));
      expect(unexpected).toEqual([]);
      expect(report.verdict).toBe('fail');
    });
  }
});
