import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validateContracts } from '../../src/contracts/index.js';
import { runCli } from '../helpers/cli.js';
import { contractsWithOverlay, CONTRACTS_DIR, NOW } from './helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

/** The bundled contracts with some files rewritten. */
function variant(edits: Record<string, (text: string) => string>): string {
  const copy = contractsWithOverlay();
  cleanups.push(copy.cleanup);
  for (const [file, edit] of Object.entries(edits)) {
    const path = join(copy.dir, file);
    mkdirSync(dirname(path), { recursive: true });
    let before = '';
    try {
      before = readFileSync(join(CONTRACTS_DIR, file), 'utf8');
    } catch {
      // a new file
    }
    const after = edit(before);
    if (after === before) throw new Error(`edit of ${file} changed nothing`);
    writeFileSync(path, after);
  }
  return copy.dir;
}

async function nonPassing(dir: string, strict = false) {
  const report = await validateContracts([dir], { now: NOW, strict });
  return { report, checks: report.checks.filter((c) => c.status !== 'pass').map((c) => ({ id: c.id, status: c.status, code: c.code })) };
}

describe('enforcement modes', () => {
  // globex: enforcement warn, postgresql/single connections soft 30 hard 50, database quota 50.
  const overGlobex = { 'globex/bindings/notebooks-dev.yaml': (t: string) => t.replace('reserves: { connections: 10, storageGiB: 20 }', 'reserves: { connections: 55, storageGiB: 20 }') };

  it('warn-on-exceed gives warnings and passes without --strict', async () => {
    const { report, checks } = await nonPassing(variant(overGlobex));
    expect(checks).toEqual(
      expect.arrayContaining([
        { id: 'binding.within-quota', status: 'warn', code: 'QUOTA_EXCEEDED' },
        { id: 'capacity.reserved-within-limits', status: 'warn', code: 'LIMIT_EXCEEDED' },
      ]),
    );
    expect(checks.every((c) => c.status === 'warn')).toBe(true);
    expect(report.verdict).toBe('pass');
  });

  it('--strict makes the same warnings fail, with exit 1', async () => {
    const dir = variant(overGlobex);
    expect((await nonPassing(dir, true)).report.verdict).toBe('fail');
    expect((await runCli(['validate', dir, '--now', '2026-11-23T12:00:00Z'])).code).toBe(0);
    expect((await runCli(['validate', dir, '--now', '2026-11-23T12:00:00Z', '--strict'])).code).toBe(1);
  });

  it('crossing only a soft limit warns even under deny', async () => {
    const { checks } = await nonPassing(
      variant({ 'acme/bindings/recommender-staging.json': (t) => t.replace('"connections": 20', '"connections": 150') }),
    );
    expect(checks).toEqual([{ id: 'capacity.reserved-within-limits', status: 'warn', code: 'SOFT_LIMIT_EXCEEDED' }]);
  });

  it('an override raises the hard limit it names', async () => {
    // 800 + 600 = 1400 storage on postgresql/cluster; over 1800 (the override) only with 1300 more.
    const within = await nonPassing(variant({ 'acme/bindings/ledger-worker-prod.yaml': (t) => t.replace('storageGiB: 600', 'storageGiB: 1000') }));
    expect(within.checks.filter((c) => c.status === 'fail')).toEqual([]);
    const over = await nonPassing(variant({ 'acme/bindings/ledger-worker-prod.yaml': (t) => t.replace('storageGiB: 600', 'storageGiB: 1100') }));
    expect(over.checks).toContainEqual({ id: 'capacity.reserved-within-limits', status: 'fail', code: 'LIMIT_EXCEEDED' });
  });

  it('a reservation with no matching limit fails', async () => {
    const { checks } = await nonPassing(
      variant({ 'acme/bindings/checkout-api-prod.yaml': (t) => t.replace('provider: redis\n    variant: cluster', 'provider: memcached\n    variant: cluster') }),
    );
    expect(checks).toContainEqual({ id: 'capacity.reserved-within-limits', status: 'fail', code: 'LIMIT_UNDEFINED' });
  });
});

describe('other failure codes of the rules', () => {
  it('a prod tenant without a prod budget', async () => {
    const { checks } = await nonPassing(variant({ 'acme/capacity.yaml': (t) => t.replace('budgetClass: prod', 'budgetClass: shared') }));
    expect(checks).toEqual([{ id: 'capacity.prod-deny', status: 'fail', code: 'PROD_BUDGET_REQUIRED' }]);
  });

  it('an endpoint of another consumer type', async () => {
    const { checks } = await nonPassing(variant({ 'globex/bindings/notebooks-dev.yaml': (t) => t.replace('endpointRef: sandbox-cache', 'endpointRef: sandbox-db') }));
    expect(checks).toEqual([{ id: 'binding.endpoint-exists', status: 'fail', code: 'ENDPOINT_TYPE_MISMATCH' }]);
  });

  it('a window longer than 7 days, and one outside the validity', async () => {
    const long = await nonPassing(variant({ 'globex/proposals/globex-2026-0007.yaml': (t) => t.replace('end: "2036-12-01T12:00:00Z"', 'end: "2036-12-20T12:00:00Z"') }));
    expect(long.checks).toEqual([{ id: 'proposal.window-sane', status: 'fail', code: 'WINDOW_TOO_LONG' }]);
    const outside = await nonPassing(variant({ 'globex/proposals/globex-2026-0007.yaml': (t) => t.replace('start: "2036-12-01T08:00:00Z"', 'start: "2026-11-19T08:00:00Z"') }));
    expect(outside.checks).toContainEqual({ id: 'proposal.window-sane', status: 'fail', code: 'WINDOW_OUTSIDE_VALIDITY' });
  });

  it('expiry is judged at --now: the bundled proposals fail once their window has passed', async () => {
    const report = await validateContracts([CONTRACTS_DIR], { now: new Date('2036-12-10T00:00:00Z') });
    const codes = report.checks.filter((c) => c.status === 'fail').map((c) => `${c.id}:${c.code}`);
    expect(codes).toEqual(['proposal.not-expired:WINDOW_PASSED', 'proposal.not-expired:WINDOW_PASSED']);
    const later = await validateContracts([CONTRACTS_DIR], { now: new Date('2037-02-01T00:00:00Z') });
    expect(later.checks.filter((c) => c.code === 'PROPOSAL_EXPIRED')).toHaveLength(2);
  });

  it('editing an approved proposal invalidates its approvals', async () => {
    const { checks } = await nonPassing(
      variant({ 'acme/proposals/acme-2026-0042.yaml': (t) => t.replace('end: "2036-12-06T02:00:00Z"', 'end: "2036-12-06T04:00:00Z"') }),
    );
    expect(checks.filter((c) => c.code === 'APPROVAL_HASH_MISMATCH')).toHaveLength(2);
    expect(checks).toContainEqual({ id: 'proposal.approval-count', status: 'fail', code: 'APPROVALS_MISSING' });
  });

  it('one person approving twice counts once', async () => {
    const { checks } = await nonPassing(variant({ 'acme/proposals/acme-2026-0042.yaml': (t) => t.replace('approver: dana', 'approver: bob') }));
    expect(checks).toEqual([{ id: 'proposal.approval-count', status: 'fail', code: 'APPROVALS_MISSING' }]);
  });

  it('a secret-named key holding a value is an inline secret (and an unknown field)', async () => {
    const { checks } = await nonPassing(variant({ 'globex/tenant.yaml': (t) => t.replace('    tls: false\n', '    tls: false\n    password: s3cr3t-value\n') }));
    expect(checks).toContainEqual({ id: 'secret.inline', status: 'fail', code: 'INLINE_SECRET' });
    expect(checks).toContainEqual({ id: 'schema', status: 'fail', code: 'SCHEMA_ADDITIONAL_PROPERTIES' });
  });

  it('a placeholder like <placeholder> or changeme is an error', async () => {
    const { checks } = await nonPassing(variant({ 'globex/tenant.yaml': (t) => t.replace('team: Analytics Sandbox', 'team: <your team>') }));
    expect(checks).toEqual([{ id: 'document.placeholder', status: 'fail', code: 'PLACEHOLDER' }]);
    const other = await nonPassing(variant({ 'globex/tenant.yaml': (t) => t.replace('team: Analytics Sandbox', 'team: changeme') }));
    expect(other.checks).toEqual([{ id: 'document.placeholder', status: 'fail', code: 'PLACEHOLDER' }]);
  });
});
