/**
 * Progress shows how far along against a total (files and bytes for build, bytes for verify and
 * inspect), only on standard error and only when it is a terminal: never in a pipe, in CI or with
 * --quiet, and never on standard output (JSON there stays clean). A fake terminal stands in here.
 */
import { mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { formatBytes, ofTotal, packetBytes } from '../../src/cli/progress.js';
import { makeTempDir } from '../helpers/cli.js';

const temp = makeTempDir('packet-progress-');
const CLEAR = '\r\u001b[2K';

/** The CLI with standard error as a terminal (or not), and a clock that moves 200 ms per look, past the throttle. */
async function run(argv: string[], options: { tty: boolean; env?: NodeJS.ProcessEnv }): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  let clock = Date.parse('2026-06-01T00:00:00Z');
  const stdin = new PassThrough();
  stdin.end();
  const io: CliIo = {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdoutIsTTY: options.tty,
    stderrIsTTY: options.tty,
    stdin,
    env: options.env ?? { PATH: process.env.PATH },
    cwd: temp.path,
    now: () => new Date((clock += 200)),
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** The progress lines written, in order, without the terminal control sequences. */
function updates(stderr: string): string[] {
  return stderr.split(CLEAR).filter((part) => part !== '');
}

beforeAll(() => {
  mkdirSync(join(temp.path, 'in'));
  // Several read chunks each, so that there is more than one update.
  for (const name of ['a.bin', 'b.bin', 'c.bin']) writeFileSync(join(temp.path, 'in', name), Buffer.alloc(1024 * 1024, name));
});
afterAll(() => temp.cleanup());

describe('build, verify and inspect on a terminal', () => {
  it('build counts files and bytes against their totals', async () => {
    const built = await run(['build', 'in', '--out', 'p.packet.tar', '--time', '2026-01-01T00:00:00Z', '--format', 'json'], { tty: true });
    expect(built.code, built.stderr).toBe(0);
    expect(JSON.parse(built.stdout).facts).toMatchObject({ form: 'tar' });
    const lines = updates(built.stderr);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.at(-1)).toMatch(/^packet: built 3\/3 files, 3\.0 MiB of 3\.0 MiB \(100%\), [\d.]+ \S+\/s$/);
    expect(built.stderr.endsWith(CLEAR)).toBe(true); // the line is cleared at the end
  });

  it('verify counts bytes against the tar size; standard output stays clean JSON', async () => {
    const verified = await run(['verify', 'p.packet.tar', '--integrity-only', '--format', 'json'], { tty: true });
    expect(verified.code, verified.stderr).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ verdict: 'intact' });
    expect(verified.stdout).not.toContain('\r');
    const size = formatBytes(statSync(join(temp.path, 'p.packet.tar')).size);
    const lines = updates(verified.stderr);
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line).toMatch(new RegExp(`^packet: verifying [\\d.]+ \\S+ of ${size.replace('.', '\\.')} \\(\\d+%\\), `));
  });

  it('a folder packet: the total is the sum of its files, and the count reaches it', async () => {
    const built = await run(['build', 'in', '--out', 'unpacked/', '--time', '2026-01-01T00:00:00Z', '--quiet'], { tty: true });
    expect(built.code, built.stderr).toBe(0);
    expect(built.stderr).toBe(''); // --quiet
    const total = await packetBytes(join(temp.path, 'unpacked'));
    expect(total).toBeGreaterThan(3 * 1024 * 1024);
    const verified = await run(['verify', 'unpacked', '--integrity-only'], { tty: true });
    expect(verified.code, verified.stderr).toBe(0);
    expect(updates(verified.stderr).at(-1)).toContain(`${ofTotal(total as number, total)}, `);
    expect(updates(verified.stderr).at(-1)).toContain('(100%)');
  });

  it('inspect shows its reading progress against the total too', async () => {
    const inspected = await run(['inspect', 'p.packet.tar'], { tty: true });
    expect(inspected.code, inspected.stderr).toBe(0);
    expect(updates(inspected.stderr).at(-1)).toMatch(/^packet: reading [\d.]+ \S+ of [\d.]+ MiB \(\d+%\), /);
    expect(inspected.stdout).toContain('payload:');
  });
});

describe('locker push and pull on a terminal', () => {
  it('show the bytes moved against the packet size', async () => {
    const size = formatBytes(statSync(join(temp.path, 'p.packet.tar')).size).replace('.', '\\.');
    const pushed = await run(['locker', 'push', 'p.packet.tar', '--folder', 'locker', '--format', 'json'], { tty: true });
    expect(pushed.code, pushed.stderr).toBe(0);
    const pushLines = updates(pushed.stderr);
    expect(pushLines.length).toBeGreaterThan(1);
    for (const line of pushLines) expect(line).toMatch(new RegExp(`^packet: push [\\d.]+ \\S+ of ${size} \\(\\d+%\\)$`));
    expect(pushLines.at(-1)).toContain('(100%)');
    const digest = (JSON.parse(pushed.stdout) as { facts: { digest: string } }).facts.digest;
    const pulled = await run(['locker', 'pull', digest, '--out', 'pulled.packet.tar', '--folder', 'locker'], { tty: true });
    expect(pulled.code, pulled.stderr).toBe(0);
    const pullLines = updates(pulled.stderr);
    // The size comes with the index entry, looked up while the download starts: the first
    // updates may show the bytes alone, the later ones show them against it.
    for (const line of pullLines) expect(line).toMatch(new RegExp(`^packet: pull [\\d.]+ \\S+( of ${size} \\(\\d+%\\))?$`));
    expect(pullLines.some((line) => line.includes(' of '))).toBe(true);
  });
});

describe('no progress where nobody watches', () => {
  it('not on a pipe, not in CI, not with --quiet', async () => {
    for (const [argv, options] of [
      [['verify', 'p.packet.tar', '--integrity-only'], { tty: false }],
      [['verify', 'p.packet.tar', '--integrity-only'], { tty: true, env: { PATH: process.env.PATH, CI: 'true' } }],
      [['verify', 'p.packet.tar', '--integrity-only', '--quiet'], { tty: true }],
      [['inspect', 'p.packet.tar', '--quiet'], { tty: true }],
      [['inspect', 'p.packet.tar'], { tty: false }],
    ] as const) {
      const result = await run([...argv], options);
      expect(result.code, argv.join(' ')).toBe(0);
      expect(result.stderr, argv.join(' ')).toBe('');
    }
  });
});

describe('packetBytes and ofTotal', () => {
  it('sums a folder without following links; a tar is its size', async () => {
    const dir = join(temp.path, 'sized');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'one'), 'x'.repeat(10));
    writeFileSync(join(dir, 'sub', 'two'), 'y'.repeat(32));
    symlinkSync(join(temp.path, 'in', 'a.bin'), join(dir, 'link'));
    expect(await packetBytes(dir)).toBe(42);
    expect(await packetBytes(join(temp.path, 'p.packet.tar'))).toBe(statSync(join(temp.path, 'p.packet.tar')).size);
    expect(await packetBytes(join(temp.path, 'missing'))).toBeUndefined();
  });

  it('never shows more than the total', () => {
    expect(ofTotal(512, 1024)).toBe('512 B of 1.0 KiB (50%)');
    expect(ofTotal(4096, 1024)).toBe('1.0 KiB of 1.0 KiB (100%)');
    expect(ofTotal(512, undefined)).toBe('512 B');
  });
});
