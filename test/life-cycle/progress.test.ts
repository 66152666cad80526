/**
 * Progress (issue 6): on standard error when it is a terminal (files and bytes done, rate),
 * silent with --quiet, in CI, or when standard error is not a terminal, and never on standard
 * output. The io clock advances 200 ms per reading so the 125 ms throttle lets every update
 * through, deterministically.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { createProgress } from '../../src/cli/progress.js';
import { makeTempDir } from '../helpers/cli.js';

const FILES = 6;
const CLEAR = '\r\u001b[2K';
const ESCAPES = /[\r\u001b]/;

interface Terminal {
  stderrIsTTY?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Milliseconds the clock moves on each reading. */
  step?: number;
}

let temp: { path: string; cleanup(): void };
let evidence: string;
let packet: string;

beforeAll(async () => {
  temp = makeTempDir('life-cycle-progress-');
  evidence = join(temp.path, 'evidence');
  mkdirSync(evidence);
  for (let i = 0; i < FILES; i += 1) writeFileSync(join(evidence, `log-${i}.txt`), `line ${i}\n`.repeat(2000));
  packet = join(temp.path, 'p.packet.tar');
  const built = await cli(['build', evidence, '--out', packet, '--name', 'p', '--quiet'], { stderrIsTTY: false });
  expect(built.code, built.stderr).toBe(0);
});

afterAll(() => temp?.cleanup());

async function cli(argv: string[], terminal: Terminal = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const stdin = new PassThrough();
  stdin.end();
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const io: CliIo = {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdoutIsTTY: false,
    stderrIsTTY: terminal.stderrIsTTY ?? true,
    stdin,
    env: terminal.env ?? { PATH: process.env.PATH, HOME: process.env.HOME },
    cwd: temp.path,
    now: () => new Date((clock += terminal.step ?? 200)),
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** The progress lines written, each without its clearing prefix (the last write only clears). */
function lines(stderr: string): string[] {
  return stderr.split(CLEAR).filter((line) => line !== '');
}

let outputs = 0;
function freshOut(): string {
  outputs += 1;
  return join(temp.path, `out-${outputs}.packet.tar`);
}

describe('progress on a terminal', () => {
  it('build: one line per file with files, bytes and rate on stderr, rewritten in place and cleared at the end', async () => {
    const run = await cli(['build', evidence, '--out', freshOut(), '--name', 'p']);
    expect(run.code, run.stderr).toBe(0);
    const shown = lines(run.stderr);
    expect(shown.length).toBeGreaterThanOrEqual(FILES);
    for (const line of shown) expect(line).toMatch(/^packet: built \d+\/\d+ files, [\d.]+ (B|KiB|MiB) of [\d.]+ (B|KiB|MiB) \(\d+%\), [\d.]+ (B|KiB|MiB|GiB)\/s$/);
    expect(shown.at(-1)).toMatch(new RegExp(`^packet: built ${FILES}/${FILES} files`));
    expect(run.stderr.startsWith(CLEAR)).toBe(true);
    expect(run.stderr.endsWith(CLEAR)).toBe(true);
    expect(run.stdout).not.toMatch(ESCAPES);
    expect(run.stdout).toMatch(/^packet build: wrote /);
  });

  it('verify: bytes against the packet size, and rate, on stderr; nothing extra on stdout', async () => {
    const run = await cli(['verify', '--integrity-only', packet]);
    const shown = lines(run.stderr);
    expect(shown.length).toBeGreaterThan(0);
    for (const line of shown) expect(line).toMatch(/^packet: verifying [\d.]+ (B|KiB|MiB) of [\d.]+ (B|KiB|MiB) \(\d+%\), [\d.]+ (B|KiB|MiB|GiB)\/s$/);
    expect(run.stderr.endsWith(CLEAR)).toBe(true);
    expect(run.stdout).not.toMatch(ESCAPES);
    expect(run.stdout).not.toContain('packet: verifying');
  });

  it('--format json: stdout parses as JSON while progress goes to stderr', async () => {
    const build = await cli(['build', evidence, '--out', freshOut(), '--name', 'p', '--format', 'json']);
    expect(build.code).toBe(0);
    expect(lines(build.stderr).length).toBeGreaterThan(0);
    expect((JSON.parse(build.stdout) as { facts: { form: string } }).facts.form).toBe('tar');
    const verify = await cli(['verify', '--integrity-only', packet, '--format', 'json']);
    expect(lines(verify.stderr).length).toBeGreaterThan(0);
    expect(Array.isArray((JSON.parse(verify.stdout) as { checks: unknown[] }).checks)).toBe(true);
  });

  it('a build that fails part-way clears its progress line before the error message', async () => {
    const mixed = join(temp.path, 'mixed');
    mkdirSync(mixed);
    for (let i = 0; i < 3; i += 1) writeFileSync(join(mixed, `a-${i}.txt`), 'text\n'.repeat(500));
    writeFileSync(join(mixed, 'z.bin'), Buffer.from([0, 1, 2, 0, 255, 0]));
    const run = await cli(['build', mixed, '--out', freshOut(), '--name', 'p', '--strict']);
    expect(run.code).toBe(1);
    expect(lines(run.stderr)[0]).toMatch(/^packet: built 1\/4 files/);
    expect(run.stderr).toMatch(/\/s\r\u001b\[2Kpacket: \S*z\.bin is a binary file/);
  });

  it('CI=false still counts as a terminal session', async () => {
    const run = await cli(['verify', '--integrity-only', packet], { env: { PATH: process.env.PATH, CI: 'false' } });
    expect(lines(run.stderr).length).toBeGreaterThan(0);
  });
});

describe('silent progress', () => {
  const silent: Array<[string, string[], Terminal]> = [
    ['--quiet', ['--quiet'], {}],
    ['CI=true', [], { env: { PATH: process.env.PATH, CI: 'true' } }],
    ['CI=1', [], { env: { PATH: process.env.PATH, CI: '1' } }],
    ['stderr not a terminal', [], { stderrIsTTY: false }],
  ];
  for (const [why, flags, terminal] of silent) {
    it(`${why}: build and verify write nothing to stderr`, async () => {
      const build = await cli(['build', evidence, '--out', freshOut(), '--name', 'p', ...flags], terminal);
      expect(build.code).toBe(0);
      expect(build.stderr).toBe('');
      const verify = await cli(['verify', '--integrity-only', packet, '--format', 'json', ...flags], terminal);
      expect(verify.stderr).toBe('');
      expect(() => JSON.parse(verify.stdout) as unknown).not.toThrow();
    });
  }
});

describe('createProgress', () => {
  function fakeIo(stepMs: number): { io: CliIo; written: string[] } {
    const written: string[] = [];
    let clock = 1_000_000;
    const io: CliIo = {
      stdout: { write: () => expect.fail('progress wrote to stdout') },
      stderr: { write: (chunk: string) => written.push(chunk) },
      stdoutIsTTY: true,
      stderrIsTTY: true,
      stdin: new PassThrough(),
      env: {},
      cwd: '/',
      now: () => new Date((clock += stepMs)),
    };
    return { io, written };
  }

  it('throttles to one update per 125 ms of the io clock', () => {
    const { io, written } = fakeIo(50);
    const progress = createProgress(io, false);
    for (let i = 0; i < 10; i += 1) progress.update(`step ${i}`);
    // Readings at +50 ms each: the first passes, then one every third reading (150 ms apart).
    expect(written).toEqual([`${CLEAR}step 0`, `${CLEAR}step 3`, `${CLEAR}step 6`, `${CLEAR}step 9`]);
    progress.done();
    expect(written.at(-1)).toBe(CLEAR);
  });

  it('done() writes nothing when nothing was shown', () => {
    const { io, written } = fakeIo(50);
    createProgress(io, false).done();
    expect(written).toEqual([]);
  });
});
