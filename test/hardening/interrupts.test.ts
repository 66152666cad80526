import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, makeTempDir, runBin } from '../helpers/cli.js';
import { makeEd25519 } from '../signing/keys.js';
import { TIME } from '../packet/fixtures.js';

/**
 * SIGINT, SIGTERM and SIGHUP during build and sign: the temporary files, spool folders and locks
 * are removed, one line is printed, and the exit code is 128 + the signal number. A SIGKILLed
 * build's leftovers are removed by the next build on the same output, and only when their owner
 * process is gone.
 */

const temp = makeTempDir('packet-interrupt-');
afterAll(() => temp.cleanup());

const SIGNALS = [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const;

const ENV = { PATH: process.env.PATH };

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Start the CLI, wait until `busy()` says it is writing, then send `signal`. */
async function interruptWhenBusy(args: string[], busy: () => boolean, signal: NodeJS.Signals | 'SIGKILL'): Promise<Exit> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: temp.path, env: ENV, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<Exit>((resolve) => child.on('close', (code, sig) => resolve({ code, signal: sig, stderr })));
  const started = Date.now();
  while (!busy() && child.exitCode === null && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 5));
  expect(busy(), `the command never got busy; stderr: ${stderr}`).toBe(true);
  child.kill(signal);
  return exited;
}

const temporaries = (dir: string): string[] => readdirSync(dir).filter((n) => /\.(tmp|spool|lock)$/.test(n));

beforeAll(() => {
  mkdirSync(join(temp.path, 'evidence'));
  writeFileSync(join(temp.path, 'evidence', 'run.log'), 'applied change CHG-1\n');
  writeFileSync(join(temp.path, 'evidence', 'disk.img'), '');
  // Sparse: costs no disk to create, but takes the build long enough to be interrupted.
  truncateSync(join(temp.path, 'evidence', 'disk.img'), 2 * 2 ** 30);
});

describe('an interrupted build', () => {
  for (const [signal, code] of SIGNALS) {
    it(`${signal}: removes its temporary file and spool folder, says so in one line, exits ${code}`, async () => {
      const out = join(temp.path, `out-${signal}`);
      mkdirSync(out);
      const exit = await interruptWhenBusy(['build', '--quiet', '--time', TIME, '--out', `out-${signal}/x.packet.tar`, 'evidence'], () => temporaries(out).length >= 2, signal);
      expect(exit.code).toBe(code);
      expect(exit.stderr).toBe('packet: interrupted, nothing written\n');
      expect(readdirSync(out)).toEqual([]);
    });
  }

  it('of the unpacked form removes its temporary folder too', async () => {
    const out = join(temp.path, 'out-dir');
    mkdirSync(out);
    const exit = await interruptWhenBusy(['build', '--quiet', '--time', TIME, '--out', 'out-dir/unpacked/', 'evidence'], () => temporaries(out).length >= 2, 'SIGTERM');
    expect(exit.code).toBe(143);
    expect(readdirSync(out)).toEqual([]);
  });
});

describe('an interrupted sign', () => {
  let packet: string;
  let keyFile: string;
  beforeAll(async () => {
    // A packet big enough (256 MiB) that re-reading and rewriting it takes a moment.
    mkdirSync(join(temp.path, 'sign-input'));
    writeFileSync(join(temp.path, 'sign-input', 'disk.img'), '');
    truncateSync(join(temp.path, 'sign-input', 'disk.img'), 256 * 2 ** 20);
    const built = runBin(['build', '--quiet', '--time', TIME, '--out', 'signed/x.packet.tar', 'sign-input'], { cwd: temp.path });
    expect(built.stderr).toBe('');
    packet = join(temp.path, 'signed', 'x.packet.tar');
    const key = await makeEd25519('Alice');
    keyFile = join(temp.path, 'alice.key.asc');
    writeFileSync(keyFile, key.privateArmored);
  });

  for (const [signal, code] of SIGNALS) {
    it(`${signal}: removes its lock and temporary file, leaves the packet as it was, exits ${code}`, async () => {
      const before = statSync(packet);
      const dir = join(temp.path, 'signed');
      const exit = await interruptWhenBusy(['sign', packet, '--key', keyFile], () => temporaries(dir).length > 0, signal);
      expect(exit.code).toBe(code);
      expect(exit.stderr).toBe('packet: interrupted, nothing written\n');
      expect(temporaries(dir)).toEqual([]);
      const after = statSync(packet);
      expect([after.ino, after.size, after.mtimeMs]).toEqual([before.ino, before.size, before.mtimeMs]);
    });
  }
});

describe('leftovers of a killed build', () => {
  it('are removed by the next build on the same output, which says so', async () => {
    const out = join(temp.path, 'killed');
    mkdirSync(out);
    const killed = await interruptWhenBusy(['build', '--quiet', '--time', TIME, '--out', 'killed/x.packet.tar', 'evidence'], () => temporaries(out).length >= 2, 'SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    const left = temporaries(out);
    expect(left.length).toBe(2); // nothing cleaned up: SIGKILL cannot be caught
    // A small input, so the second build is quick.
    const next = runBin(['build', '--quiet', '--time', TIME, '--out', 'killed/x.packet.tar', 'evidence/run.log'], { cwd: temp.path });
    expect(next.code).toBe(0);
    expect(next.stderr).toMatch(/^packet: removed 2 leftovers of an interrupted build beside the output: /);
    for (const name of left) expect(next.stderr).toContain(name);
    expect(readdirSync(out)).toEqual(['x.packet.tar']);
  });

  it('are kept while their owner process still runs, and other files are never touched', () => {
    const out = join(temp.path, 'alive');
    mkdirSync(out);
    const gone = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const live = process.pid; // this test process: alive for sure
    const names = [
      `.x.packet.tar.${live}.0123abcd.tmp`,
      `.x.packet.tar.${gone}.0123abcd.tmp`,
      `.x.packet.tar.${gone}.4567abcd.spool`,
      `.y.packet.tar.${gone}.0123abcd.tmp`, // another output's
      `.x.packet.tar.notes`,
    ];
    for (const name of names) (name.endsWith('.spool') ? mkdirSync : (p: string) => writeFileSync(p, 'x'))(join(out, name));
    const next = runBin(['build', '--quiet', '--time', TIME, '--out', 'alive/x.packet.tar', 'evidence/run.log'], { cwd: temp.path });
    expect(next.code).toBe(0);
    expect(next.stderr).toContain('removed 2 leftovers');
    expect(readdirSync(out).sort()).toEqual([names[0], names[4], names[3], 'x.packet.tar'].sort());
    expect(existsSync(join(out, names[1] as string))).toBe(false);
  });
});
