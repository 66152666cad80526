/**
 * An interrupted push leaves nothing half-written: SIGINT while the packet is being copied into a
 * folder locker exits 130, removes the temporary file, and writes no index or ledger entry.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, makeTempDir } from '../helpers/cli.js';
import { makePacket } from './helpers.js';

const temp = makeTempDir('locker-interrupt-');
afterAll(() => temp.cleanup());

describe('interrupted push', () => {
  it('SIGINT mid-copy exits 130 and leaves no temporary file, index or ledger entry', async () => {
    mkdirSync(join(temp.path, 'BIG-input'));
    writeFileSync(join(temp.path, 'BIG-input', 'disk.img'), randomBytes(128 * 1024 * 1024));
    const packet = await makePacket(temp.path, 'BIG', { tenant: 'acme' });
    const locker = join(temp.path, 'locker');
    const target = join(locker, 'packets', 'sha256');
    const child = spawn(process.execPath, [BIN, 'locker', 'push', packet.file, '--folder', locker], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Signal as soon as the temporary copy exists.
    let signalled = false;
    while (!signalled) {
      if (existsSync(target) && readdirSync(target).some((name) => name.endsWith('.tmp'))) {
        child.kill('SIGINT');
        signalled = true;
      } else if (child.exitCode !== null) {
        break;
      } else {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    const code = await exited;
    expect(signalled, 'the push finished before it could be interrupted').toBe(true);
    expect(code).toBe(130);
    expect(stderr).toContain('packet: interrupted, nothing written');
    expect(readdirSync(target)).toEqual([]);
    expect(existsSync(join(locker, 'index'))).toBe(false);
    expect(existsSync(join(locker, 'ledger'))).toBe(false);
  });
});
