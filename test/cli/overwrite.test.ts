/**
 * No command writes over an existing file unless told to with --force (docs/exit-codes.md): the
 * refusal is exit 1 (OUTPUT_EXISTS, like every "in the way"), the file keeps its bytes, and with
 * --force the new file replaces it atomically (no temporary file is left beside it).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/core/atomic.js';
import { requestTimeStamp } from '../../src/timestamp/index.js';
import { BIN, makeTempDir, runCli } from '../helpers/cli.js';

const temp = makeTempDir('packet-overwrite-');
const OLD = 'an earlier file that must survive\n';
let packet: string;

beforeAll(async () => {
  mkdirSync(join(temp.path, 'in'));
  writeFileSync(join(temp.path, 'in', 'plan.json'), '{"change":"resize"}\n');
  const built = await runCli(['build', 'in', '--out', 'p.packet.tar', '--time', '2026-01-01T00:00:00Z'], { cwd: temp.path });
  expect(built.code, built.stderr).toBe(0);
  packet = join(temp.path, 'p.packet.tar');
});
afterAll(() => temp.cleanup());

/** A folder holding one file with OLD in it. */
function folderWithOld(name: string, file: string): { dir: string; path: string } {
  const dir = join(temp.path, name);
  mkdirSync(dir);
  writeFileSync(join(dir, file), OLD);
  return { dir, path: join(dir, file) };
}

describe('verify --report', () => {
  it('refuses an existing FILE before verifying (exit 1), replaces it with --force', async () => {
    const { dir, path } = folderWithOld('report', 'r.md');
    const refused = await runCli(['verify', packet, '--integrity-only', '--report', path]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe(''); // refused before any work
    expect(refused.stderr).toContain(`packet: ${path} already exists; nothing was written\nhint: choose a new name, or pass --force to replace it\n`);
    expect(readFileSync(path, 'utf8')).toBe(OLD);

    const forced = await runCli(['verify', packet, '--integrity-only', '--report', path, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(path, 'utf8')).toContain('INTACT');
    expect(readdirSync(dir)).toEqual(['r.md']);

    const fresh = await runCli(['verify', packet, '--integrity-only', '--report', join(dir, 'new.html')]);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect((await runCli(['verify', packet, '--integrity-only', '--force'])).code).toBe(2);
  });
});

describe('tsa serve', () => {
  it('refuses a root already at --root-out (the root earlier time-stamps chain to): exit 1, before it starts', async () => {
    const { path } = folderWithOld('tsa-root', 'root.pem');
    const run = await runCli(['tsa', 'serve', '--root-out', path]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('already exists');
    expect(run.stderr).toContain('hint: time-stamps made earlier chain to the root in that file');
    expect(readFileSync(path, 'utf8')).toBe(OLD);
    expect((await runCli(['tsa', 'serve', '--force'])).code).toBe(2);
  });

  it('takes the OID as --policy-oid; --policy is a usage error that points to it', async () => {
    const run = await runCli(['tsa', 'serve', '--policy', '1.2.3.4']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--policy names a trust policy file in every other command');
    expect(run.stderr).toContain('hint: did you mean --policy-oid?');
    expect((await runCli(['tsa', 'serve', '--policy-oid', 'not-an-oid'])).code).toBe(2);
    expect((await runCli(['tsa', '--help'])).stdout).toMatch(/^\s+--policy-oid OID\s/m);
    expect((await runCli(['tsa', '--help'])).stdout).not.toMatch(/--policy\s/);
  });

  it('with --force replaces the root, and serves the --policy-oid policy', async () => {
    const { dir, path } = folderWithOld('tsa-force', 'root.pem');
    const child = spawn(process.execPath, [BIN, 'tsa', 'serve', '--root-out', path, '--force', '--policy-oid', '1.3.6.1.4.1.32473.1.99'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let stdout = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const match = /listening on (\S+)/.exec(stdout);
          if (match && stdout.includes('root certificate:')) resolve(match[1] as string);
        });
        child.on('exit', (code) => reject(new Error(`exited early with ${code}`)));
      });
      expect(readFileSync(path, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
      expect(readdirSync(dir)).toEqual(['root.pem']);
      // The client insists that the reply carries the policy it asked for.
      const token = await requestTimeStamp(url, Buffer.from('hello\n'), { timeoutMs: 5000, caFile: path, policy: '1.3.6.1.4.1.32473.1.99' });
      expect(token.byteLength).toBeGreaterThan(100);
    } finally {
      const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
    }
  }, 20_000);
});

describe('locker pull', () => {
  it('refuses an existing --out (exit 1), replaces it with --force; a mirror takes no --force', async () => {
    const locker = join(temp.path, 'locker');
    const pushed = await runCli(['locker', 'push', packet, '--folder', locker, '--format', 'json']);
    expect(pushed.code, pushed.stderr).toBe(0);
    const digest = (JSON.parse(pushed.stdout) as { facts: { digest: string } }).facts.digest;
    const { dir, path } = folderWithOld('pulled', 'p.packet.tar');
    const refused = await runCli(['locker', 'pull', digest, '--folder', locker, '--out', path]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('hint: name a new file with --out, or pass --force to replace it');
    expect(readFileSync(path, 'utf8')).toBe(OLD);
    const forced = await runCli(['locker', 'pull', digest, '--folder', locker, '--out', path, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(path).equals(readFileSync(packet))).toBe(true);
    expect(readdirSync(dir)).toEqual(['p.packet.tar']);
    expect((await runCli(['locker', 'pull', '--all', '--folder', locker, '--out', join(temp.path, 'mirror'), '--force'])).code).toBe(2);
  });
});

describe('demo', () => {
  it('never writes into a folder that is not empty (exit 1, there is no --force)', async () => {
    const { path, dir } = folderWithOld('demo', 'notes.txt');
    const run = await runCli(['demo', '--out', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('already exists and is not empty');
    expect(readFileSync(path, 'utf8')).toBe(OLD);
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });
});

describe('writeFileAtomic without replace', () => {
  it('decides atomically: a file that is there keeps its bytes and no temporary file is left', async () => {
    const { dir, path } = folderWithOld('atomic', 'out.txt');
    await expect(writeFileAtomic(path, 'new', 0o644, { replace: false })).rejects.toMatchObject({ code: 'OUTPUT_EXISTS', kind: 'input' });
    expect(readFileSync(path, 'utf8')).toBe(OLD);
    expect(readdirSync(dir)).toEqual(['out.txt']);
    await writeFileAtomic(join(dir, 'new.txt'), 'new', 0o644, { replace: false });
    expect(readFileSync(join(dir, 'new.txt'), 'utf8')).toBe('new');
    expect(readdirSync(dir).sort()).toEqual(['new.txt', 'out.txt']);
  });
});
