/**
 * An interrupted push or pull leaves nothing half-written: SIGINT while the packet is being copied
 * into a folder locker exits 130, removes the temporary file, and writes no index or ledger entry;
 * SIGINT while a pull writes (and hashes, in its worker thread) exits 130 and leaves no file.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, makeTempDir } from '../helpers/cli.js';
import { makePacket, type MadePacket } from './helpers.js';

const temp = makeTempDir('locker-interrupt-');
afterAll(() => temp.cleanup());
let packet: MadePacket;

beforeAll(async () => {
  mkdirSync(join(temp.path, 'BIG-input'));
  writeFileSync(join(temp.path, 'BIG-input', 'disk.img'), randomBytes(128 * 1024 * 1024));
  packet = await makePacket(temp.path, 'BIG', { tenant: 'acme' });
});

/** Run the CLI and send SIGINT as soon as `ready()` holds; its exit code and standard error. */
async function interruptWhen(args: string[], ready: () => boolean): Promise<{ signalled: boolean; code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let signalled = false;
  while (!signalled) {
    if (ready()) {
      child.kill('SIGINT');
      signalled = true;
    } else if (child.exitCode !== null) {
      break;
    } else {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  return { signalled, code: await exited, stderr };
}

describe('interrupted push', () => {
  it('SIGINT mid-copy exits 130 and leaves no temporary file, index or ledger entry', async () => {
    const locker = join(temp.path, 'locker');
    const target = join(locker, 'packets', 'sha256');
    // Signal as soon as the temporary copy exists.
    const run = await interruptWhen(['locker', 'push', packet.file, '--folder', locker], () => existsSync(target) && readdirSync(target).some((name) => name.endsWith('.tmp')));
    expect(run.signalled, 'the push finished before it could be interrupted').toBe(true);
    expect(run.code).toBe(130);
    expect(run.stderr).toContain('packet: interrupted, nothing written');
    expect(readdirSync(target)).toEqual([]);
    expect(existsSync(join(locker, 'index'))).toBe(false);
    expect(existsSync(join(locker, 'ledger'))).toBe(false);
  });
});

describe('interrupted pull', () => {
  it('SIGINT while the packet is written and hashed exits 130 and leaves no file', async () => {
    const locker = join(temp.path, 'pull-locker');
    const push = spawn(process.execPath, [BIN, 'locker', 'push', packet.file, '--folder', locker], { stdio: 'ignore' });
    expect(await new Promise((resolve) => push.on('exit', resolve))).toBe(0);
    const outDir = join(temp.path, 'pulled');
    mkdirSync(outDir);
    const run = await interruptWhen(['locker', 'pull', packet.digest, '--out', join(outDir, 'big.packet.tar'), '--folder', locker], () => readdirSync(outDir).some((name) => name.endsWith('.tmp')));
    expect(run.signalled, 'the pull finished before it could be interrupted').toBe(true);
    expect(run.code).toBe(130);
    expect(run.stderr).toContain('packet: interrupted, nothing written');
    expect(readdirSync(outDir)).toEqual([]);
  });
});
