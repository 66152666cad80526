import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Contracts from '../../src/contracts/index.js';
import type * as Pool from '../../src/contracts/load-pool.js';
import { makeTempDir, PROJECT_ROOT } from '../helpers/cli.js';

// On large sets a worker thread reads and parses the files (built code only: the worker script is
// compiled) while this thread scans their texts for the inline-secret rule. The documents, the
// findings and so the whole report must be those of loading in this thread, on texts where the
// pointer of a hit is hard to get right.
const GITHUB = `ghp_${'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'}`;
const AWS = `AKIA${'QWERTYUIOPASDFGH'}`;
// Hits and secret keys of the texts below when nothing is ignored (rotate_credentials: manual is a hit each time).
const COUNT_WITHOUT_IGNORES = 29;

const TRICKY: Record<string, string> = {
  // Flow mapping: the hit is inside it, the ignore names the field.
  'flow.yaml': `lifecycle: { rotate_credentials: manual, revoke: true }\nlist: [a, b]\n`,
  'block.yaml': `spec:\n  consumers:\n    - type: db\n      lifecycle:\n        rotate_credentials: manual\n    - token: ${GITHUB}\n`,
  // A hit in a comment after a value, and one on a line of its own.
  'comments.yaml': `name: x # ${AWS}\n# ${AWS}\nother: 1\n`,
  'crlf.yaml': `a: 1\r\nlifecycle:\r\n  rotate_credentials: manual\r\nb: "${GITHUB}"\r\n`,
  'bom.yaml': `\uFEFFlifecycle:\n  rotate_credentials: manual\nkey: ${AWS}\n`,
  // Anchors and aliases take the careful parse: the alias repeats the secret-bearing mapping.
  'anchors.yaml': `base: &b { rotate_credentials: manual }\ncopy: *b\nx: ${AWS}\n`,
  'block-scalar.yaml': `script: |\n  export TOKEN=${GITHUB}\n  echo done\n`,
  'quoted.yaml': `url: "postgres://admin:S3cr3tPassw0rd@db:5432/x"\n'lifecycle': {'rotate_credentials': 'manual'}\n`,
  'doc.json': `{\n  "lifecycle": { "rotate_credentials": "manual" },\n  "token": "${GITHUB}"\n}\n`,
  'nested-seq.yaml': `- - - rotate_credentials: manual\n    - ${AWS}\n`,
  // Not documents: several documents, a duplicate key.
  'multi.yaml': `a: ${AWS}\n---\nb: 2\n`,
  'duplicate.yaml': `a: 1\na: ${AWS}\n`,
  'clean.yaml': `name: fine\n`,
};

let repo: { path: string; cleanup(): void };
let compiled: typeof Contracts;
let pool: typeof Pool;

function writeConfig(dir: string, ignore: string, yamlVersion = '1.2'): void {
  writeFileSync(
    join(dir, 'packet.validate.yaml'),
    `version: 1
documents:
  include: [docs/**]
  extensions: [.yaml, .json]
  yaml: { version: "${yamlVersion}" }
kinds:
  - { name: Thing, match: { path: [docs/**] } }
generic:
  inlineSecret:
    ignore: ${ignore}
`,
  );
}

beforeAll(async () => {
  repo = makeTempDir('packet-text-scan-');
  mkdirSync(join(repo.path, 'docs'));
  for (const [name, text] of Object.entries(TRICKY)) writeFileSync(join(repo.path, 'docs', name), text);
  compiled = (await import(join(PROJECT_ROOT, 'dist/contracts/index.js'))) as typeof Contracts;
  pool = (await import(join(PROJECT_ROOT, 'dist/contracts/load-pool.js'))) as typeof Pool;
});
afterAll(() => repo.cleanup());

async function report(ignore: string, thread: boolean, yamlVersion?: string): Promise<unknown> {
  writeConfig(repo.path, ignore, yamlVersion);
  const loaded = compiled.loadConfigFile(join(repo.path, 'packet.validate.yaml'), repo.path);
  const result = await compiled.validateWithConfig(loaded, { now: new Date('2026-12-02T00:00:00Z'), loadThread: thread });
  return JSON.parse(JSON.stringify(result));
}

interface Check {
  id: string;
  status: string;
  location?: { file: string; line?: number; column?: number };
}

describe('loading and text-scanning in a worker thread', () => {
  it('gives the report of the scan in this thread, with per-field ignores applied to hits in flow, block, CRLF, BOM, anchor and JSON texts', async () => {
    const ignore = '[{ field: "**/rotate_credentials" }, { field: "/list/1" }, { field: "/0/0/1" }]';
    const threaded = await report(ignore, true);
    const inline = await report(ignore, false);
    expect(threaded).toEqual(inline);
    const secrets = (threaded as { checks: Check[] }).checks.filter((c) => c.id === 'secret.inline');
    const at = secrets.map((c) => `${c.location?.file.split('/').pop()}:${c.location?.line}:${c.location?.column}`);
    // Every rotate_credentials hit is ignored; the real secrets are reported where they are (a
    // key named token holding a value is reported too, at its value).
    expect(at).toEqual(['anchors.yaml:3:4', 'block-scalar.yaml:2:16', 'block.yaml:6:14', 'block.yaml:6:14', 'bom.yaml:3:6', 'comments.yaml:1:11', 'comments.yaml:2:3', 'crlf.yaml:4:5', 'doc.json:3:12', 'doc.json:3:12', 'quoted.yaml:1:24']);
    const parse = (threaded as { checks: Check[] }).checks.filter((c) => c.id === 'document.parse').map((c) => c.location?.file.split('/').pop());
    expect(parse).toEqual(['duplicate.yaml', 'multi.yaml']);
  });

  it('gives the same report without ignores, and with YAML 1.1', async () => {
    expect(await report('[]', true)).toEqual(await report('[]', false));
    expect(await report('[{ field: "**/rotate_credentials" }]', true, '1.1')).toEqual(await report('[{ field: "**/rotate_credentials" }]', false, '1.1'));
    const secrets = ((await report('[]', true)) as { checks: Check[] }).checks.filter((c) => c.id === 'secret.inline');
    expect(secrets.length).toBe(COUNT_WITHOUT_IGNORES);
  });

  it('reads and parses in a worker when asked, and gives each file the document or problem of loading here', async () => {
    const threaded = loader(true);
    const inline = loader(false);
    expect(threaded.threaded).toBe(true);
    expect(inline.threaded).toBe(false);
    const [fromWorker, fromHere] = [await loadAll(threaded), await loadAll(inline)];
    expect(fromWorker).toEqual(fromHere);
    expect(fromHere.find((file) => file.name === 'flow.yaml')).toMatchObject({ ok: true, value: { lifecycle: { rotate_credentials: 'manual', revoke: true }, list: ['a', 'b'] } });
    expect(fromHere.filter((file) => !file.ok).map((file) => file.name)).toEqual(['duplicate.yaml', 'multi.yaml']);
  });

  it('loads here what the worker did not send when it dies, with the same results', async () => {
    const dying = loader(true);
    // A worker that is gone (crashed, out of memory) before it sent anything.
    await (dying as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    expect(await loadAll(dying)).toEqual(await loadAll(loader(false)));
  });

  it('is not used by default for a small set', () => {
    const small = new pool.ContractLoader({ files: ['a.yaml'], maxBytes: 1024, parse: {} });
    expect(small.threaded).toBe(false);
    const large = new pool.ContractLoader({ files: Array.from({ length: pool.LOAD_THREAD_THRESHOLD }, (_, index) => join(repo.path, `missing-${index}.yaml`)), maxBytes: 1024, parse: {} });
    expect(large.threaded).toBe(availableParallelism() >= pool.LOAD_THREAD_MIN_CPUS);
    large.close();
  });
});

const NAMES = Object.keys(TRICKY).sort();

function loader(thread: boolean): InstanceType<typeof Pool.ContractLoader> {
  return new pool.ContractLoader({ files: NAMES.map((name) => join(repo.path, 'docs', name)), maxBytes: 64 * 1024, parse: { yamlVersion: '1.2' } }, thread);
}

/** Every file of a loader, as plain data: the document or the problem's code. */
async function loadAll(from: InstanceType<typeof Pool.ContractLoader>) {
  const files = [];
  for (const [index, name] of NAMES.entries()) {
    const result = await from.load(index);
    files.push(result.ok ? { name, ok: true, value: result.source.value, text: result.source.text } : { name, ok: false, code: result.problem.code });
  }
  from.close();
  return files;
}
