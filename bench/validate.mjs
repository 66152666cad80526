#!/usr/bin/env node
// Benchmark: `packet validate` (schema + semantics) on 5,000 generated valid contracts, next to
// ajv-cli (schema only) on the same files, in the same run. Needs `npm run build` first.
// With --baseline DIR (another checkout of this project, built), its `packet validate` runs on
// the same tree, alternately with this one: a before/after comparison in one run.
// Usage: node bench/validate.mjs [--count 5000] [--runs 3] [--baseline DIR]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { proposalContentHash } from '../dist/contracts/index.js';
import { compareWithAjv, THREAD_CPU_ARGS, timed } from './lib/timed.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { count: { type: 'string', default: '5000' }, runs: { type: 'string', default: '3' }, baseline: { type: 'string' } } });
const COUNT = Number(values.count);
const RUNS = Number(values.runs);
const BASELINE = values.baseline === undefined ? undefined : resolve(values.baseline);
const NOW = '2026-11-23T12:00:00Z';
const BINDINGS_PER_TENANT = 16;
const PER_TENANT = 2 + BINDINGS_PER_TENANT + 2; // tenant, capacity, bindings, two proposals

function tenant(id) {
  return `apiVersion: evidence-packet/v1
kind: Tenant
id: ${id}
owner: { team: Team ${id}, email: ${id}@example.com }
environments: [dev, staging, prod]
isolation: dedicated
slo: { availabilityPercent: 99.9, latencyP99: PT0.2S }
dr: { rpo: PT5M, rto: PT1H, testCases: [restore-from-backup, region-failover] }
consumers: { allowed: [database, message-queue, cache, vector], variants: [single, cluster] }
quotas:
  database: { connections: 5000, storageGiB: 50000 }
  message-queue: { connections: 5000 }
  cache: { connections: 5000, memoryGiB: 1000 }
  vector: { storageGiB: 10000 }
approvals: { prod: 2 }
endpoints:
  - { name: db, consumer: database, host: db.${id}.internal, port: 5432, protocol: postgresql, tls: true, secretRef: "vault://tenants/${id}/db" }
  - { name: bus, consumer: message-queue, host: bus.${id}.internal, port: 9093, protocol: kafka, tls: true, secretRef: "vault://tenants/${id}/bus" }
  - { name: cache, consumer: cache, host: cache.${id}.internal, port: 6380, protocol: redis, tls: true, secretRef: "vault://tenants/${id}/cache" }
  - { name: vectors, consumer: vector, host: vectors.${id}.internal, port: 6334, protocol: grpc, tls: true, secretRef: "vault://tenants/${id}/vectors" }
`;
}

function capacity(id) {
  return `apiVersion: evidence-packet/v1
kind: Capacity
tenant: ${id}
budgetClass: prod
enforcement: deny
limits:
  - { provider: postgresql, variant: cluster, connections: { soft: 2000, hard: 4000 }, storageGiB: { soft: 20000, hard: 40000 } }
  - { provider: kafka, variant: cluster, connections: { soft: 2000, hard: 4000 } }
  - { provider: redis, variant: cluster, connections: { soft: 2000, hard: 4000 }, memoryGiB: { soft: 500, hard: 900 } }
  - { provider: qdrant, variant: single, storageGiB: { soft: 5000, hard: 9000 } }
`;
}

const CONSUMERS = [
  ['database', 'postgresql', 'cluster', 'db', 'postgresql', '{ connections: 20, storageGiB: 100 }'],
  ['message-queue', 'kafka', 'cluster', 'bus', 'kafka', '{ connections: 10 }'],
  ['cache', 'redis', 'cluster', 'cache', 'redis', '{ connections: 20, memoryGiB: 2 }'],
  ['vector', 'qdrant', 'single', 'vectors', 'grpc', '{ storageGiB: 50 }'],
];

function binding(tenantId, index) {
  const [type, provider, variant, endpoint, protocol, reserves] = CONSUMERS[index % CONSUMERS.length];
  const env = ['dev', 'staging', 'prod'][index % 3];
  return `apiVersion: evidence-packet/v1
kind: Binding
id: ${tenantId}-w${index}
tenant: ${tenantId}
environment: ${env}
workload: { id: w${index}, type: service }
consumers:
  - name: c${index}
    type: ${type}
    provider: ${provider}
    variant: ${variant}
    endpointRef: ${endpoint}
    access: read-write
    secret: { ref: "vault://tenants/${tenantId}/${endpoint}/w${index}", shape: token }
    rotation: { mode: automatic, interval: P30D }
    connection: { protocol: ${protocol}, tls: required, connectTimeout: PT5S }
    reserves: ${reserves}
`;
}

function proposal(tenantId, env) {
  const doc = {
    apiVersion: 'evidence-packet/v1',
    kind: 'Proposal',
    id: `${tenantId}-${env}-1`,
    tenant: tenantId,
    requester: 'alice',
    created: '2026-11-20T09:00:00Z',
    expires: '2027-01-31T00:00:00Z',
    environment: env,
    window: { start: '2026-12-01T08:00:00Z', end: '2026-12-01T12:00:00Z' },
    changes: [{ action: 'modify', target: { kind: 'Binding', id: `${tenantId}-w0` }, summary: 'Raise the pool size.' }],
    justification: 'Load test showed pool saturation.',
  };
  if (env === 'prod') {
    const hash = proposalContentHash(doc);
    doc.approvals = ['bob', 'dana'].map((approver) => ({ approver, approvedAt: '2026-11-21T10:00:00Z', contentHash: hash }));
  }
  return JSON.stringify(doc, null, 2) + '\n';
}

function generate(dir) {
  let files = 0;
  for (let t = 0; files < COUNT; t += 1) {
    const id = `tenant-${String(t).padStart(4, '0')}`;
    mkdirSync(join(dir, id, 'bindings'), { recursive: true });
    mkdirSync(join(dir, id, 'proposals'), { recursive: true });
    const write = (path, text) => {
      if (files >= COUNT) return;
      writeFileSync(join(dir, id, path), text);
      files += 1;
    };
    write('tenant.yaml', tenant(id));
    write('capacity.yaml', capacity(id));
    for (let b = 0; b < BINDINGS_PER_TENANT; b += 1) write(`bindings/${id}-w${b}.yaml`, binding(id, b));
    write(`proposals/${id}-dev-1.json`, proposal(id, 'dev'));
    write(`proposals/${id}-prod-1.json`, proposal(id, 'prod'));
  }
  return files;
}

const work = mkdtempSync(join(tmpdir(), 'packet-bench-'));
try {
  const files = generate(work);
  console.log(`generated ${files} contracts in ${work} (${cpus().length} CPUs, node ${process.version})`);
  const ajv = join(ROOT, 'node_modules/.bin/ajv');
  const schema = (name) => join(ROOT, 'schemas', `${name}.schema.json`);
  const ajvRuns = [
    [schema('tenant'), `${work}/*/tenant.yaml`],
    [schema('capacity'), `${work}/*/capacity.yaml`],
    [schema('binding'), `${work}/*/bindings/*.yaml`],
    [schema('proposal'), `${work}/*/proposals/*.json`],
  ];
  compareWithAjv({
    runs: RUNS,
    root: ROOT,
    baseline: BASELINE,
    packetRun: (root) => {
      const packet = timed(process.execPath, [...THREAD_CPU_ARGS, join(root, 'bin/packet.js'), 'validate', work, '--now', NOW, '--format', 'json'], ROOT);
      if (packet.status !== 0) throw new Error(`packet validate (${root}) failed (${packet.status}): ${packet.stderr}${packet.stdout.slice(0, 2000)}`);
      const report = JSON.parse(packet.stdout);
      if (report.facts.files !== files) throw new Error(`packet saw ${report.facts.files} files, expected ${files}`);
      return packet;
    },
    ajvInvocations: ajvRuns.map(([schemaFile, glob]) => ({
      args: [ajv, 'validate', '--spec=draft2020', '--strict=true', '--all-errors', '-c', 'ajv-formats', '-s', schemaFile, '-r', schema('common'), '-d', glob],
      cwd: ROOT,
    })),
    packetLabel: 'packet validate (schema + semantics)',
    ajvLabel: 'ajv-cli validate (schema only, 4 invocations)',
  });
} finally {
  if (process.env.BENCH_KEEP === undefined) rmSync(work, { recursive: true, force: true });
}
