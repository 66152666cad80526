#!/usr/bin/env node
// Benchmark: `packet validate --profile samakia-fabric` (schemas, $refs and the rule pack) on
// about 5,000 generated documents in the samakia-fabric layout, next to ajv-cli doing only the
// schemas of the same files (draft-07), in the same run. The tree is generated from the test
// fixture repository (test/contracts/fixtures/samakia-fabric): its schemas, and its tenant
// "acme" copied under new names. Needs `npm run build` first. With --baseline DIR (another
// checkout of this project, built), its `packet validate` runs on the same tree, alternately.
// Usage: node bench/validate-samakia.mjs [--count 5000] [--runs 3] [--baseline DIR]
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compareWithAjv, THREAD_CPU_ARGS, timed } from './lib/timed.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const FIXTURE = join(ROOT, 'test/contracts/fixtures/samakia-fabric');
const { values } = parseArgs({ options: { count: { type: 'string', default: '5000' }, runs: { type: 'string', default: '3' }, baseline: { type: 'string' } } });
const COUNT = Number(values.count);
const RUNS = Number(values.runs);
const BASELINE = values.baseline === undefined ? undefined : resolve(values.baseline);
const NOW = '2026-12-02T00:00:00Z';

function listFiles(dir, base = dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name), base) : [join(dir, e.name).slice(base.length + 1)]));
}

/** The fixture repository with its tenant copied until the tree holds COUNT documents. */
function generate(work) {
  cpSync(FIXTURE, work, { recursive: true });
  const tenantDir = join(FIXTURE, 'contracts/tenants/examples/acme');
  const tenantFiles = listFiles(tenantDir);
  const binding = readFileSync(join(FIXTURE, 'contracts/bindings/tenants/acme/orders.binding.yml'), 'utf8');
  let documents = listFiles(work).filter((f) => !f.includes('_schema') && /\.(yml|yml\.example)$/.test(f) && !f.startsWith('contracts/substrate')).length;
  for (let t = 0; documents < COUNT; t += 1) {
    const id = `tenant-${String(t).padStart(4, '0')}`;
    for (const file of tenantFiles) {
      const text = readFileSync(join(tenantDir, file), 'utf8').replaceAll('acme', id);
      const path = join(work, 'contracts/tenants/examples', id, file);
      cpSync(join(tenantDir, file), path);
      writeFileSync(path, text);
      documents += 1;
    }
    const path = join(work, 'contracts/bindings/tenants', id, 'orders.binding.yml');
    cpSync(join(FIXTURE, 'contracts/bindings/tenants/acme/orders.binding.yml'), path);
    writeFileSync(path, binding.replaceAll('acme', id));
    documents += 1;
  }
  return documents;
}

const work = mkdtempSync(join(tmpdir(), 'packet-bench-samakia-'));
try {
  const documents = generate(work);
  console.log(`generated ${documents} documents in the samakia-fabric layout (${cpus().length} CPUs, node ${process.version})`);
  const ajv = join(ROOT, 'node_modules/.bin/ajv');
  const schema = (name) => `contracts/tenants/_schema/${name}.schema.json`;
  const ajvRuns = [
    [schema('tenant'), 'contracts/tenants/examples/*/tenant.yml'],
    [schema('policies'), 'contracts/tenants/examples/*/policies.yml'],
    [schema('quotas'), 'contracts/tenants/examples/*/quotas.yml'],
    [schema('endpoints'), 'contracts/tenants/examples/*/endpoints.yml'],
    [schema('networks'), 'contracts/tenants/examples/*/networks.yml'],
    [schema('capacity'), 'contracts/tenants/examples/*/capacity.yml'],
    [schema('consumer-binding'), 'contracts/tenants/examples/*/consumers/*/ready.yml'],
    [schema('enabled-binding'), 'contracts/tenants/examples/*/consumers/*/enabled.yml'],
    ['contracts/bindings/_schema/binding.schema.json', 'contracts/bindings/tenants/*/*.binding.yml'],
  ];
  compareWithAjv({
    runs: RUNS,
    root: ROOT,
    baseline: BASELINE,
    packetRun: (root) => {
      const packet = timed(process.execPath, [...THREAD_CPU_ARGS, join(root, 'bin/packet.js'), 'validate', '--profile', 'samakia-fabric', '--now', NOW, '--format', 'json'], work);
      if (packet.status !== 0) throw new Error(`packet validate (${root}) failed (${packet.status}): ${packet.stderr}${packet.stdout.slice(0, 3000)}`);
      return packet;
    },
    ajvInvocations: ajvRuns.map(([schemaFile, glob]) => ({ args: [ajv, 'validate', '--spec=draft7', '--all-errors', '--strict=false', '-s', schemaFile, '-d', glob], cwd: work })),
    packetLabel: 'packet validate --profile samakia-fabric (schemas + rule pack)',
    ajvLabel: `ajv-cli validate (schemas only, ${ajvRuns.length} invocations)`,
  });
} finally {
  if (process.env.BENCH_KEEP === undefined) rmSync(work, { recursive: true, force: true });
}
