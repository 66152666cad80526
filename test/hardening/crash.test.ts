/**
 * Crash safety: SIGKILL `packet build`, `sign`, `attach` and `timestamp` (the built binary) at
 * random points; the output path must then hold the previous complete packet or nothing, never
 * a partial one; a stale lock must not block a rerun, and the rerun must succeed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPacket } from '../../src/packet/index.js';
import { startLocalTsa, type LocalTsa } from '../../src/timestamp/index.js';
import { BIN, makeTempDir, PROJECT_ROOT, runBin } from '../helpers/cli.js';
import { makeEd25519, signAt, type TestKey } from '../signing/keys.js';

const KILLS_PER_COMMAND = Number(process.env.CRASH_KILLS ?? 6);
const temp = makeTempDir('packet-crash-');
let alice: TestKey;
let bob: TestKey;
let tsa: LocalTsa;
let kills = 0;

/** Seeded delays (a small LCG) so a failing kill point can be replayed. */
let state = Number(process.env.CRASH_SEED ?? 7);
function nextDelay(max: number): number {
  state = (state * 1103515245 + 12345) % 2 ** 31;
  return state % max;
}

function killAfter(args: string[], delayMs: number): Promise<{ killed: boolean; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: temp.path, stdio: 'ignore', env: { PATH: process.env.PATH, HOME: process.env.HOME } });
    const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') kills += 1;
      resolve({ killed: signal === 'SIGKILL', code });
    });
  });
}

/** The path holds nothing, or a complete packet (intact) whose digest is one of `digests`. */
async function expectWholeOrNothing(path: string, digests: string[], allowNothing: boolean): Promise<void> {
  if (!existsSync(path)) {
    expect(allowNothing).toBe(true);
    return;
  }
  const reading = await readPacket(path);
  expect(reading.checks.filter((c) => c.status === 'fail').map((c) => c.code)).toEqual([]);
  expect(digests).toContain(reading.digest);
}

beforeAll(async () => {
  if (!existsSync(BIN) || !existsSync(join(PROJECT_ROOT, 'dist'))) {
    const built = spawnSync('npm', ['run', 'build', '--silent'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`npm run build failed: ${built.stderr}`);
  }
  [alice, bob] = await Promise.all([makeEd25519('Alice'), makeEd25519('Bob')]);
  writeFileSync(join(temp.path, 'alice.key'), alice.privateArmored);
  writeFileSync(join(temp.path, 'bob.key'), bob.privateArmored);
  writeFileSync(join(temp.path, 'bob.pub'), bob.publicArmored);
  mkdirSync(join(temp.path, 'small'));
  writeFileSync(join(temp.path, 'small', 'a.log'), 'small evidence\n');
  mkdirSync(join(temp.path, 'large'));
  // Large enough that a build is still writing when it is killed.
  const line = 'INFO step completed for tenant acme in region eu-west-1 with status ok and no secrets\n';
  writeFileSync(join(temp.path, 'large', 'big.log'), line.repeat(Math.ceil((24 * 2 ** 20) / line.length)));
  tsa = await startLocalTsa({ now: () => new Date('2025-06-01T00:01:00Z') });
}, 120_000);

afterAll(async () => {
  await tsa?.close();
  temp.cleanup();
});

const TIME = ['--time', '2025-05-31T12:00:00Z', '--quiet', '--force'];

describe('crash safety (SIGKILL at random points)', () => {
  it('packet build: nothing, or the previous complete packet, then a rerun succeeds', async () => {
    const out = join(temp.path, 'build.packet.tar');
    for (let i = 0; i < KILLS_PER_COMMAND; i += 1) {
      await killAfter(['build', '--out', out, ...TIME, 'large'], 100 + nextDelay(1500));
      await expectWholeOrNothing(out, [], true);
    }
    expect(runBin(['build', '--out', out, ...TIME, 'small'], { cwd: temp.path }).code).toBe(0);
    const previous = (await readPacket(out)).digest as string;
    for (let i = 0; i < KILLS_PER_COMMAND; i += 1) {
      await killAfter(['build', '--out', out, ...TIME, 'large'], 100 + nextDelay(1500));
      await expectWholeOrNothing(out, [previous], false);
    }
    // Temporary files left behind show kills that landed mid-write (they are never the packet).
    const partial = readdirSync(temp.path).filter((f) => f.startsWith('.build.packet.tar.') && f.endsWith('.tmp')).length;
    console.log(`crash safety: ${partial} of ${2 * KILLS_PER_COMMAND} killed builds left a partial temporary file behind`);
  }, 180_000);

  it('packet sign and attach: the packet stays whole, and a rerun succeeds', async () => {
    const out = join(temp.path, 'sign.packet.tar');
    expect(runBin(['build', '--out', out, ...TIME, 'small'], { cwd: temp.path }).code).toBe(0);
    const digest = (await readPacket(out)).digest as string;
    const now = ['--now', '2025-06-01T00:00:00Z'];
    for (let i = 0; i < KILLS_PER_COMMAND; i += 1) {
      await killAfter(['sign', out, '--key', 'alice.key', ...now], 50 + nextDelay(900));
      await expectWholeOrNothing(out, [digest], false);
    }
    const signed = runBin(['sign', out, '--key', 'alice.key', ...now], { cwd: temp.path });
    expect(signed.stderr).not.toContain('locked');
    expect((await readPacket(out)).unsealed.signatures.has(alice.fingerprint)).toBe(true);

    const manifest = (await readPacket(out)).manifestBytes as Buffer;
    writeFileSync(join(temp.path, 'bob.sig.asc'), await signAt(bob.privateKey, manifest, new Date('2025-06-01T00:00:00Z')));
    for (let i = 0; i < KILLS_PER_COMMAND; i += 1) {
      await killAfter(['attach', out, 'bob.sig.asc', '--key', 'bob.pub', ...now], 50 + nextDelay(900));
      await expectWholeOrNothing(out, [digest], false);
      const reading = await readPacket(out);
      expect(reading.unsealed.signatures.has(alice.fingerprint)).toBe(true);
    }
    const attached = runBin(['attach', out, 'bob.sig.asc', '--key', 'bob.pub', ...now], { cwd: temp.path });
    expect(attached.code).toBe(0); // also when a killed run already landed it: equal bytes are not a conflict
    expect((await readPacket(out)).unsealed.signatures.has(bob.fingerprint)).toBe(true);

    for (let i = 0; i < KILLS_PER_COMMAND; i += 1) {
      await killAfter(['timestamp', out, '--tsa', tsa.url], 50 + nextDelay(900));
      await expectWholeOrNothing(out, [digest], false);
      const reading = await readPacket(out);
      expect(reading.unsealed.signatures.size).toBe(2);
    }
    // Asynchronous: the TSA runs in this process, so a synchronous spawn would starve it.
    expect((await killAfter(['timestamp', out, '--tsa', tsa.url], 60_000)).code).toBe(0);
    const final = await readPacket(out);
    expect(final.intact).toBe(true);
    expect(final.unsealed.timestamps.size).toBe(2);
  }, 240_000);

  it('a lock left by a dead process does not block a rerun', async () => {
    const out = join(temp.path, 'lock.packet.tar');
    expect(runBin(['build', '--out', out, ...TIME, 'small'], { cwd: temp.path }).code).toBe(0);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(`${out}.lock`, `${dead.stdout}@${hostname()}`);
    const run = runBin(['sign', out, '--key', 'alice.key', '--now', '2025-06-01T00:00:00Z'], { cwd: temp.path });
    expect(run.code).toBe(0);
    expect(existsSync(`${out}.lock`)).toBe(false);
  }, 60_000);

  afterAll(() => {
    console.log(`crash safety: ${kills} processes killed with SIGKILL mid-run`);
  });
});
