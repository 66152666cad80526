import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateContracts } from '../../src/contracts/index.js';
import { makeTempDir, PROJECT_ROOT } from '../helpers/cli.js';
import { NOW } from './helpers.js';

// Large sets are read and parsed in a worker thread by the built code (dist); results must come
// back complete and in file order, exactly as when parsed in this thread.
let temp: { path: string; cleanup(): void };
const COUNT = 807;
beforeAll(() => {
  temp = makeTempDir('packet-parallel-');
  for (let index = 0; index < COUNT; index += 1) {
    const name = `f${String(index).padStart(4, '0')}.yaml`;
    const text = index === 500 ? 'kind: [broken\n' : `apiVersion: evidence-packet/v1\nkind: Widget${index}\n`;
    writeFileSync(join(temp.path, name), text);
  }
});
afterAll(() => temp.cleanup());

interface JsonReport {
  facts: { files: number };
  checks: { id: string; status: string; code: string; location?: { file: string; line?: number } }[];
}

describe('parsing in a worker thread', () => {
  it('gives the same checks, in the same order, as parsing in one thread', async () => {
    // The compiled library (whose worker script exists), asked for the worker.
    const compiled = (await import(join(PROJECT_ROOT, 'dist/contracts/index.js'))) as typeof import('../../src/contracts/index.js');
    const parallel = JSON.parse(JSON.stringify(await compiled.validateContracts([temp.path], { now: NOW, loadThread: true }))) as JsonReport;
    expect(parallel.facts.files).toBe(COUNT);
    const failing = parallel.checks.filter((c) => c.status === 'fail' && c.id !== 'documents');
    expect(failing).toHaveLength(COUNT);
    expect(failing[500]).toMatchObject({ id: 'document.parse', code: 'PARSE_ERROR' });
    expect(failing[COUNT - 1]!.location?.file).toMatch(/f0806\.yaml$/);
    const single = await validateContracts([temp.path], { now: NOW, loadThread: false });
    const strip = (checks: JsonReport['checks']) => checks.map((c) => ({ id: c.id, code: c.code, file: c.location?.file, line: c.location?.line }));
    expect(strip(parallel.checks)).toEqual(strip(single.checks));
  });
});
