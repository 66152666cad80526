import { readdirSync, readFileSync, mkdirSync, writeFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPacket } from '../../src/packet/index.js';
import { makeTempDir, runBin } from '../helpers/cli.js';
import { CREATED, TIME } from './fixtures.js';

/**
 * The built binary prepares small files in worker threads once there are many; the library run
 * from source (no compiled worker) and with `workers: false` prepares everything in one thread.
 * Both must give the same bytes, and a worker's refusal must reach the user as the same error.
 */

const temp = makeTempDir('packet-parallel-');
afterAll(() => temp.cleanup());

const FILES = 700;

beforeAll(() => {
  const root = join(temp.path, 'evidence');
  for (let i = 0; i < FILES; i += 1) {
    const dir = join(root, `host-${String(i % 7)}`, i % 2 === 0 ? 'logs' : 'state');
    mkdirSync(dir, { recursive: true });
    if (i % 5 === 0) writeFileSync(join(dir, `state-${i}.json`), JSON.stringify({ b: i, a: [1, 2], password: `pw-${i}-secret`, note: 'é' }));
    else if (i % 11 === 0) writeFileSync(join(dir, `blob-${i}.bin`), Buffer.from([0, 1, 2, i % 256, 255]));
    else writeFileSync(join(dir, `run-${i}.log`), `step ${i}\nconnecting to postgres://app:s3cr3t-${i}@db.internal:5432/app\ndone\n`);
  }
  // Large files interleaved with the small ones: streamed by the main thread, in order.
  writeFileSync(join(root, 'host-3', 'big.log'), `${'a line of log text\n'.repeat(40_000)}token=ghp_${'A'.repeat(36)}\n`);
  writeFileSync(join(root, 'host-5', 'disk.img'), '');
  truncateSync(join(root, 'host-5', 'disk.img'), 3 * 2 ** 20);
});

describe('a build with many small files', () => {
  it('gives the same bytes with worker threads (binary) as in one thread (library)', async () => {
    // Same file name: the packet's name comes from it.
    mkdirSync(join(temp.path, 'workers'));
    mkdirSync(join(temp.path, 'single'));
    const viaWorkers = join(temp.path, 'workers', 'x.packet.tar');
    const run = runBin(['build', '--quiet', '--time', TIME, '--format', 'json', '--out', viaWorkers, 'evidence'], { cwd: temp.path });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const inOneThread = join(temp.path, 'single', 'x.packet.tar');
    await buildPacket({ inputs: ['evidence'], out: inOneThread, created: CREATED, cwd: temp.path, workers: false });
    const a = readFileSync(viaWorkers);
    const b = readFileSync(inOneThread);
    expect(a.equals(b)).toBe(true);
    const summary = (JSON.parse(run.stdout) as { facts: { packet: { files: { count: number }; redaction: { total: number; notScanned: string[] } } } }).facts;
    expect(summary.packet.files.count).toBe(FILES + 2);
    expect(summary.packet.redaction.total).toBeGreaterThan(FILES / 2);
    expect(summary.packet.redaction.notScanned.length).toBeGreaterThan(40);
    expect(a.includes('s3cr3t-')).toBe(false);
  });

  it('a refusal inside a worker ends the build with the same error and leaves nothing', () => {
    const out = join(temp.path, 'strict');
    mkdirSync(out);
    const run = runBin(['build', '--quiet', '--strict', '--time', TIME, '--out', 'strict/x.packet.tar', 'evidence'], { cwd: temp.path });
    expect(run.stderr).toMatch(/^packet: payload\/evidence\/host-\d\/(logs|state)\/blob-\d+\.bin is a binary file, which cannot be scanned for secrets\nhint: /);
    expect(run.code).toBe(1);
    expect(readdirSync(out)).toEqual([]);
  });
});
