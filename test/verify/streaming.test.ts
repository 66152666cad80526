import { spawnSync } from 'node:child_process';
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, PROJECT_ROOT } from '../helpers/cli.js';
import { build } from '../packet/fixtures.js';

/**
 * Verification streams: reading a packet with a 200 MiB payload file must not grow the process
 * by anything like the file size. Measured in a child process (the built library), as the growth
 * of peak RSS (process.resourceUsage().maxRSS) across readPacket. No timings are asserted.
 */

const PAYLOAD_BYTES = 200 * 2 ** 20;
const MAX_GROWTH_BYTES = 64 * 2 ** 20;
const temp = makeTempDir('packet-streaming-');

const SCRIPT = `
const { readPacket } = await import(${JSON.stringify(join(PROJECT_ROOT, 'dist/packet/index.js'))});
global.gc?.();
const before = process.resourceUsage().maxRSS * 1024;
const reading = await readPacket(process.argv[1], { listPayload: true });
const after = process.resourceUsage().maxRSS * 1024;
const size = reading.payload.find((f) => f.path.endsWith('big.bin'))?.size;
process.stdout.write(JSON.stringify({ intact: reading.intact, size, before, after }));
`;

function measure(path: string): { intact: boolean; size: number; before: number; after: number } {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT, path], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout) as { intact: boolean; size: number; before: number; after: number };
}

beforeAll(async () => {
  const evidence = join(temp.path, 'evidence');
  mkdirSync(evidence);
  writeFileSync(join(evidence, 'big.bin'), '');
  truncateSync(join(evidence, 'big.bin'), PAYLOAD_BYTES); // sparse: zeros, a binary file packed as is
  writeFileSync(join(evidence, 'note.txt'), 'the big file is a disk image\n');
  await build(temp.path, 'big.packet.tar', ['evidence']);
  await build(temp.path, 'big-unpacked/', ['evidence']);
}, 120_000);
afterAll(() => temp.cleanup());

describe('verify streams large payload files', () => {
  it.each([['tar', 'big.packet.tar'], ['unpacked', 'big-unpacked']])('keeps peak RSS growth small for the %s form', (_form, name) => {
    const result = measure(join(temp.path, name));
    expect(result.intact).toBe(true);
    expect(result.size).toBe(PAYLOAD_BYTES);
    const growth = result.after - result.before;
    console.log(`verify ${name}: 200 MiB payload, peak RSS ${(result.after / 2 ** 20).toFixed(1)} MiB, growth ${(growth / 2 ** 20).toFixed(1)} MiB`);
    expect(growth).toBeLessThan(MAX_GROWTH_BYTES);
  });
});
