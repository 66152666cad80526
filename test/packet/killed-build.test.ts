import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, makeTempDir } from '../helpers/cli.js';
import { TIME } from './fixtures.js';

/**
 * A build killed half way (SIGKILL: no clean-up code runs) leaves nothing at --out and never
 * damages a file already there: the packet is written beside the target and renamed at the end.
 */

const temp = makeTempDir('packet-killed-');
afterAll(() => temp.cleanup());

async function killMidway(out: string, outDir: string): Promise<void> {
  const child = spawn(process.execPath, [BIN, 'build', '--out', out, '--time', TIME, '--quiet', '--force', 'evidence'], {
    cwd: temp.path,
    env: { PATH: process.env.PATH },
    stdio: 'ignore',
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  // Wait until the build has started writing (a temporary sibling appears), then kill it.
  const started = Date.now();
  const writing = (): boolean => readdirSync(outDir).some((n) => n.endsWith('.tmp') && (statSync(join(outDir, n)).isDirectory() || statSync(join(outDir, n)).size > 0));
  while (!writing() && Date.now() - started < 20_000) {
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(writing()).toBe(true);
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
}

describe('a killed build', () => {
  it('leaves nothing at --out, and an existing packet there keeps its bytes', async () => {
    mkdirSync(join(temp.path, 'evidence'));
    writeFileSync(join(temp.path, 'evidence', 'disk.img'), '');
    truncateSync(join(temp.path, 'evidence', 'disk.img'), 2 * 2 ** 30); // sparse 2 GiB: the build is still running when killed
    for (const name of ['a', 'b', 'c']) mkdirSync(join(temp.path, name));

    await killMidway('a/new.packet.tar', join(temp.path, 'a'));
    expect(existsSync(join(temp.path, 'a', 'new.packet.tar'))).toBe(false);

    writeFileSync(join(temp.path, 'b', 'old.packet.tar'), 'old packet\n');
    await killMidway('b/old.packet.tar', join(temp.path, 'b'));
    expect(readFileSync(join(temp.path, 'b', 'old.packet.tar'), 'utf8')).toBe('old packet\n');

    await killMidway('c/unpacked/', join(temp.path, 'c'));
    expect(existsSync(join(temp.path, 'c', 'unpacked'))).toBe(false);
  });
});
