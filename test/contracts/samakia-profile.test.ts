import { cpSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProfile, ruleCatalogue, validateWithConfig } from '../../src/contracts/index.js';
import { makeTempDir } from '../helpers/cli.js';
import { FIXTURES_DIR } from './helpers.js';

// Our own repository in the layout of samakia-fabric (tenant folders, bindings, proposals,
// self-service), with draft-07 schemas of our own beside the kinds. Each case breaks one thing
// and expects the rule that says so, at a line and column of the file it names.
const TREE = join(FIXTURES_DIR, 'samakia-fabric');
const NOW = new Date('2026-12-02T00:00:00Z');
const T = 'contracts/tenants/examples/acme';
const BINDING = 'contracts/bindings/tenants/acme/orders.binding.yml';
const PROPOSAL = 'examples/proposals/add-orders-binding.yml';
const SELF = 'examples/selfservice/grow-cache.yml';

type Edit = (dir: string) => void;
const json = (file: string, change: (doc: any) => void): Edit => (dir) => {
  const path = join(dir, file);
  const doc = JSON.parse(readFileSync(path, 'utf8'));
  change(doc);
  writeFileSync(path, JSON.stringify(doc, null, 2) + '\n');
};
const text = (file: string, from: string, to: string): Edit => (dir) => {
  const path = join(dir, file);
  const before = readFileSync(path, 'utf8');
  if (!before.includes(from)) throw new Error(`${file} has no ${from}`);
  writeFileSync(path, before.replace(from, to));
};
const remove = (file: string): Edit => (dir) => rmSync(join(dir, file));
const move = (from: string, to: string): Edit => (dir) => {
  mkdirSync(dirname(join(dir, to)), { recursive: true });
  renameSync(join(dir, from), join(dir, to));
};

interface Case {
  rule: string;
  code: string;
  file: string;
  edits: Edit[];
  also?: string[];
  now?: string;
  status?: 'fail' | 'warn';
}

const CASES: Case[] = [
  { rule: 'samakia.tenant.id-matches-folder', code: 'TENANT_ID_PATH_MISMATCH', file: `${T}/tenant.yml`, edits: [json(`${T}/tenant.yml`, (d) => (d.metadata.id = 'acme-corp'))], also: ['samakia.binding.tenant-exists'] },
  { rule: 'samakia.tenant.files-present', code: 'SIBLING_MISSING', file: `${T}/tenant.yml`, edits: [remove(`${T}/quotas.yml`)], also: ['samakia.quotas.match-policies'] },
  { rule: 'samakia.policies.allowed-consumers', code: 'CONSUMER_UNKNOWN', file: `${T}/policies.yml`, edits: [json(`${T}/policies.yml`, (d) => { d.spec.allowed_consumers.push('gpu'); d.spec.allowed_variants.gpu = ['single']; }), json(`${T}/quotas.yml`, (d) => (d.spec.gpu = { instances: 1 }))] },
  { rule: 'samakia.policies.variants-match-consumers', code: 'VARIANTS_MISMATCH', file: `${T}/policies.yml`, edits: [json(`${T}/policies.yml`, (d) => delete d.spec.allowed_variants.cache)], also: ['samakia.consumer.variant-allowed'] },
  { rule: 'samakia.quotas.match-policies', code: 'QUOTA_KEYS_MISMATCH', file: `${T}/quotas.yml`, edits: [json(`${T}/quotas.yml`, (d) => (d.spec.vector = { instances: 1 }))] },
  { rule: 'samakia.endpoints.no-inline-secret', code: 'INLINE_SECRET', file: `${T}/endpoints.yml`, edits: [json(`${T}/endpoints.yml`, (d) => (d.spec.endpoints[0].host = 'postgres://app:S3cr3tP4ssw0rd9@db.acme.internal'))], also: ['secret.inline'] },
  { rule: 'samakia.consumer.matches-folder', code: 'CONSUMER_FOLDER_MISMATCH', file: `${T}/consumers/cache/ready.yml`, edits: [json(`${T}/consumers/cache/ready.yml`, (d) => (d.spec.consumer = 'database'))] },
  { rule: 'samakia.consumer.allowed', code: 'CONSUMER_NOT_ALLOWED', file: `${T}/consumers/cache/ready.yml`, edits: [json(`${T}/policies.yml`, (d) => { d.spec.allowed_consumers = ['database']; delete d.spec.allowed_variants.cache; }), json(`${T}/quotas.yml`, (d) => delete d.spec.cache)], also: ['samakia.consumer.variant-allowed'] },
  { rule: 'samakia.consumer.variant-allowed', code: 'VARIANT_NOT_ALLOWED', file: `${T}/consumers/database/ready.yml`, edits: [json(`${T}/policies.yml`, (d) => (d.spec.allowed_variants.database = ['single']))] },
  { rule: 'samakia.consumer.ha-ready', code: 'HA_NOT_READY', file: `${T}/consumers/database/ready.yml`, edits: [json(`${T}/consumers/database/ready.yml`, (d) => (d.spec.ha_ready = false))] },
  { rule: 'samakia.consumer.dr-testcases', code: 'TESTCASE_UNKNOWN', file: `${T}/consumers/cache/ready.yml`, edits: [json(`${T}/consumers/cache/ready.yml`, (d) => (d.spec.dr_testcases = ['moon-landing']))] },
  { rule: 'samakia.consumer.failure-semantics', code: 'FAILURE_MODE_MISMATCH', file: `${T}/consumers/database/enabled.yml`, edits: [json(`${T}/consumers/database/enabled.yml`, (d) => (d.failure_semantics.mode = 'spof'))] },
  { rule: 'samakia.consumer.provider-allowed', code: 'PROVIDER_NOT_ALLOWED', file: `${T}/consumers/cache/enabled.yml`, edits: [json(`${T}/consumers/cache/enabled.yml`, (d) => (d.executor.provider = 'postgres'))], also: ['samakia.binding.ref-provider'] },
  { rule: 'samakia.capacity.tenant-matches', code: 'TENANT_MISMATCH', file: `${T}/capacity.yml`, edits: [json(`${T}/capacity.yml`, (d) => (d.spec.tenant = 'acme2'))] },
  { rule: 'samakia.capacity.prod-deny', code: 'PROD_NOT_DENY', file: `${T}/capacity.yml`, edits: [json(`${T}/capacity.yml`, (d) => (d.spec.defaults.mode = 'warn_on_exceed'))] },
  { rule: 'samakia.capacity.enforced', code: 'NOT_ENFORCED', file: `${T}/capacity.yml`, edits: [json(`${T}/capacity.yml`, (d) => (d.spec.defaults.enforce = false))] },
  { rule: 'samakia.capacity.override-target', code: 'OVERRIDE_TARGET_MISSING', file: `${T}/capacity.yml`, edits: [json(`${T}/capacity.yml`, (d) => (d.spec.overrides[0].consumer_ref = 'examples/acme/consumers/vector/enabled.yml'))] },
  { rule: 'samakia.capacity.override-target', code: 'FILE_OUTSIDE_REPOSITORY', file: `${T}/capacity.yml`, edits: [json(`${T}/capacity.yml`, (d) => (d.spec.overrides[0].consumer_ref = '../../../etc/passwd'))] },
  { rule: 'samakia.capacity.soft-le-hard', code: 'SOFT_ABOVE_HARD', file: `${T}/capacity.yml`, edits: [json(`${T}/capacity.yml`, (d) => (d.spec.database.postgres.cluster.max_connections.soft = 90))] },
  { rule: 'samakia.capacity.single-le-cluster', code: 'SINGLE_ABOVE_CLUSTER', file: `${T}/capacity.yml`, edits: [json(`${T}/capacity.yml`, (d) => (d.spec.database.postgres.single.max_storage_gb = 25))] },
  { rule: 'samakia.capacity.dragonfly-prefix', code: 'PREFIX_NOT_REQUIRED', file: `${T}/capacity.yml`, edits: [json(`${T}/capacity.yml`, (d) => (d.spec.cache.dragonfly.single.require_prefix = false))] },
  { rule: 'samakia.capacity.guard', code: 'CAPACITY_EXCEEDED', file: `${T}/consumers/database/enabled.yml`, edits: [json(`${T}/consumers/database/enabled.yml`, (d) => (d.resources.max_storage_gb = 25))] },
  {
    rule: 'samakia.capacity.guard',
    code: 'CAPACITY_EXCEEDED',
    status: 'warn',
    file: `${T}/consumers/database/enabled.yml`,
    edits: [json(`${T}/consumers/database/enabled.yml`, (d) => (d.resources.max_storage_gb = 25)), json(`${T}/capacity.yml`, (d) => { d.spec.defaults.mode = 'warn_on_exceed'; d.spec.budget_class = 'shared'; })],
  },
  { rule: 'samakia.binding.workload-matches-file', code: 'WORKLOAD_FILE_MISMATCH', file: BINDING, edits: [text(BINDING, 'workload_id: orders', 'workload_id: orderz')] },
  { rule: 'samakia.binding.tenant-exists', code: 'TENANT_NOT_FOUND', file: BINDING, edits: [text(BINDING, 'tenant: acme', 'tenant: globex')], also: ['samakia.binding.tenant-matches-folder', 'samakia.binding.capacity-exists', 'samakia.binding.secret-prefix', 'samakia.binding.ref-under-tenant'] },
  { rule: 'samakia.binding.tenant-matches-folder', code: 'TENANT_FOLDER_MISMATCH', file: 'contracts/bindings/tenants/other/orders.binding.yml', edits: [move(BINDING, 'contracts/bindings/tenants/other/orders.binding.yml')], also: ['samakia.proposal.target-exists', 'samakia.proposal.target-shape'] },
  { rule: 'samakia.binding.environment-enabled', code: 'ENVIRONMENT_NOT_ENABLED', file: BINDING, edits: [text(BINDING, 'env: prod', 'env: shared')] },
  { rule: 'samakia.binding.capacity-exists', code: 'CAPACITY_NOT_FOUND', file: BINDING, edits: [remove(`${T}/capacity.yml`)], also: ['samakia.tenant.files-present', 'samakia.capacity.tenant-matches', 'samakia.capacity.prod-deny', 'samakia.capacity.enforced', 'samakia.capacity.override-target', 'samakia.capacity.soft-le-hard', 'samakia.capacity.single-le-cluster', 'samakia.capacity.dragonfly-prefix', 'samakia.selfservice.target-exists'] },
  { rule: 'samakia.binding.provider-allowed', code: 'PROVIDER_NOT_ALLOWED', file: BINDING, edits: [text(BINDING, 'provider: postgres', 'provider: rabbitmq')], also: ['samakia.binding.secret-shape', 'samakia.binding.ref-provider'] },
  { rule: 'samakia.binding.secret-prefix', code: 'SECRET_REF_OUTSIDE_TENANT', file: BINDING, edits: [text(BINDING, 'secret_ref: tenants/acme/database/orders', 'secret_ref: tenants/acme/../globex/database/orders')] },
  { rule: 'samakia.binding.secret-shape', code: 'SECRET_SHAPE_MISMATCH', file: BINDING, edits: [text(BINDING, 'secret_shape: postgres', 'secret_shape: mariadb')] },
  { rule: 'samakia.binding.ref-exists', code: 'REF_NOT_FOUND', file: BINDING, edits: [text(BINDING, 'consumers/database/enabled.yml', 'consumers/vector/enabled.yml')] },
  { rule: 'samakia.binding.ref-under-tenant', code: 'REF_OUTSIDE_TENANT', file: BINDING, edits: [text(BINDING, 'consumers/database/enabled.yml', 'consumers/database/ready.yml')] },
  { rule: 'samakia.binding.ref-consumer', code: 'REF_CONSUMER_MISMATCH', file: BINDING, edits: [text(BINDING, 'consumers/cache/enabled.yml', 'consumers/database/enabled.yml'), text(BINDING, 'provider: dragonfly\n      variant: single', 'provider: postgres\n      variant: cluster'), text(BINDING, 'secret_shape: dragonfly', 'secret_shape: postgres')], also: ['samakia.binding.provider-allowed'] },
  { rule: 'samakia.binding.ref-provider', code: 'REF_PROVIDER_MISMATCH', file: BINDING, edits: [text(BINDING, 'provider: postgres', 'provider: mariadb'), text(BINDING, 'secret_shape: postgres', 'secret_shape: mariadb')] },
  { rule: 'samakia.binding.ref-variant', code: 'REF_VARIANT_MISMATCH', file: BINDING, edits: [text(BINDING, 'variant: cluster', 'variant: single')] },
  { rule: 'samakia.binding.tls-required', code: 'TLS_NOT_REQUIRED', file: BINDING, edits: [text(BINDING, 'protocol: tcp, tls_required: true }', 'protocol: tcp, tls_required: false }')] },
  { rule: 'samakia.proposal.justification', code: 'JUSTIFICATION_TOO_SHORT', file: PROPOSAL, edits: [text(PROPOSAL, 'justification: "The orders service moves to the shared platform"', 'justification: "  ok  "')] },
  { rule: 'samakia.proposal.scope', code: 'SCOPE_EMPTY', file: PROPOSAL, edits: [text(PROPOSAL, 'bindings: true', 'bindings: false')] },
  { rule: 'samakia.proposal.no-secrets', code: 'INLINE_SECRET', file: PROPOSAL, edits: [text(PROPOSAL, 'note: "orders service needs its database"', 'note: "use password: Hunter2Hunter2xyz"')], also: ['secret.inline'] },
  { rule: 'samakia.proposal.tenant-folder', code: 'TENANT_FOLDER_MISMATCH', file: 'proposals/inbox/globex/add-orders-binding/proposal.yml', edits: [move(PROPOSAL, 'proposals/inbox/globex/add-orders-binding/proposal.yml')] },
  { rule: 'samakia.proposal.target-exists', code: 'TARGET_NOT_FOUND', file: PROPOSAL, edits: [text(PROPOSAL, 'acme/orders.binding.yml', 'acme/missing.binding.yml')] },
  { rule: 'samakia.proposal.target-shape', code: 'TARGET_INVALID', file: PROPOSAL, edits: [text(PROPOSAL, 'kind: binding', 'kind: capacity')] },
  { rule: 'samakia.proposal.not-expired', code: 'PROPOSAL_EXPIRED', file: PROPOSAL, edits: [text(PROPOSAL, 'expires_at: "2027-06-30T00:00:00Z"', 'expires_at: "2026-11-30T00:00:00Z"')] },
  { rule: 'samakia.selfservice.justification', code: 'JUSTIFICATION_TOO_SHORT', file: SELF, edits: [text(SELF, 'justification: "Cache hit rate fell below the objective"', 'justification: "x"')] },
  { rule: 'samakia.selfservice.expiry', code: 'EXPIRY_BEFORE_REQUEST', file: SELF, edits: [text(SELF, 'requested_at: "2026-11-15T00:00:00Z"', 'requested_at: "2027-04-15T00:00:00Z"')] },
  { rule: 'samakia.selfservice.not-expired', code: 'PROPOSAL_EXPIRED', file: SELF, now: '2027-04-01T00:00:00Z', edits: [] },
  { rule: 'samakia.selfservice.no-secrets', code: 'INLINE_SECRET', file: SELF, edits: [text(SELF, 'summary: "more cache memory"', 'summary: "key AKIAZ3M4N5P6Q7R8S9T0 for the cache"')], also: ['secret.inline'] },
  { rule: 'samakia.selfservice.scope-agrees', code: 'SCOPE_MISMATCH', file: SELF, edits: [text(SELF, 'capacity: true', 'capacity: false')] },
  { rule: 'samakia.selfservice.target-exists', code: 'TARGET_NOT_FOUND', file: SELF, edits: [text(SELF, 'acme/capacity.yml', 'acme/capacity2.yml')] },
  { rule: 'samakia.selfservice.capacity-modify', code: 'CAPACITY_ACTION_INVALID', file: SELF, edits: [text(SELF, 'action: modify', 'action: add')] },
];

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

async function run(edits: Edit[], now = NOW) {
  const temp = makeTempDir('packet-samakia-');
  cleanups.push(temp.cleanup);
  const dir = join(temp.path, 'repo');
  cpSync(TREE, dir, { recursive: true });
  for (const edit of edits) edit(dir);
  return { dir, report: await validateWithConfig(loadProfile('samakia-fabric', dir), { now }) };
}

describe('the samakia-fabric profile', () => {
  it('passes a valid tree and counts the documents of each kind', async () => {
    const { report } = await run([]);
    expect(report.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(report.facts?.documents).toMatchObject({ Tenant: 1, TenantPolicies: 1, ConsumerReady: 2, ConsumerEnabled: 2, Binding: 1, BindingProposal: 1, SelfServiceProposal: 1 });
  });

  it('has a failing case for every rule of the pack', () => {
    const ids = ruleCatalogue(loadProfile('samakia-fabric', TREE).config).map((rule) => rule.id);
    expect([...new Set(CASES.map((c) => c.rule))].sort()).toEqual([...ids].sort());
  });

  for (const testCase of CASES) {
    it(`${testCase.rule}: ${testCase.code}${testCase.status === 'warn' ? ' (warning)' : ''}`, async () => {
      const { dir, report } = await run(testCase.edits, testCase.now === undefined ? NOW : new Date(testCase.now));
      const problems = report.checks.filter((c) => c.status === 'fail' || c.status === 'warn');
      const hit = problems.find((c) => c.id === testCase.rule && c.code === testCase.code);
      expect(hit, JSON.stringify(problems, null, 1)).toBeDefined();
      expect(hit!.status).toBe(testCase.status ?? 'fail');
      expect(hit!.location?.file).toBe(join(dir, testCase.file));
      expect(hit!.location?.line).toBeGreaterThan(0);
      expect(hit!.location?.column).toBeGreaterThan(0);
      const unexpected = problems.filter((c) => c.id !== testCase.rule && !(testCase.also ?? []).includes(c.id));
      expect(unexpected).toEqual([]);
    });
  }

  it('follows $ref and refuses true as an integer, which the repository\'s own validators miss', async () => {
    const { report } = await run([
      json(`${T}/capacity.yml`, (d) => (d.spec.database.postgres.single.max_databases = true)),
      json(`${T}/endpoints.yml`, (d) => (d.spec.endpoints[0].port = true)),
    ]);
    const schema = report.checks.filter((c) => c.id === 'schema' && c.status === 'fail').map((c) => `${c.location?.pointer}:${c.code}`);
    expect(schema).toEqual(expect.arrayContaining(['/spec/database/postgres/single/max_databases:SCHEMA_TYPE', '/spec/endpoints/0/port:SCHEMA_TYPE']));
  });

  it('judges each consumer of a tenant against its own variants (one policies document, looked up with different fields)', async () => {
    const { dir, report } = await run([
      json(`${T}/policies.yml`, (d) => (d.spec.allowed_variants.cache = ['cluster'])),
      json(`${T}/consumers/database/ready.yml`, (d) => (d.spec.variant = 'single')),
    ]);
    const flagged = report.checks.filter((c) => c.id === 'samakia.consumer.variant-allowed' && c.status === 'fail').map((c) => c.location?.file);
    expect(flagged.sort()).toEqual([join(dir, `${T}/consumers/cache/enabled.yml`), join(dir, `${T}/consumers/cache/ready.yml`)]);
  });

  it('the aggregate names the capacity limit it exceeded as a related location', async () => {
    const { dir, report } = await run([json(`${T}/consumers/database/enabled.yml`, (d) => (d.resources.max_storage_gb = 25))]);
    const hit = report.checks.find((c) => c.id === 'samakia.capacity.guard')!;
    expect(hit.related?.[0]).toMatchObject({ file: join(dir, `${T}/capacity.yml`), pointer: '/spec/database/postgres/cluster/max_storage_gb' });
    expect(hit.related?.[0]?.line).toBeGreaterThan(0);
  });

  it('a tree with none of its documents is a failure, not a vacuous pass', async () => {
    const temp = makeTempDir('packet-samakia-empty-');
    cleanups.push(temp.cleanup);
    cpSync(join(TREE, 'contracts/tenants/_schema'), join(temp.path, 'contracts/tenants/_schema'), { recursive: true });
    await expect(validateWithConfig(loadProfile('samakia-fabric', temp.path), { now: NOW })).rejects.toMatchObject({ kind: 'usage', code: 'CONFIG_GLOB_EMPTY' });
  });
});
