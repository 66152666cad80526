import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PacketError } from '../../src/core/errors.js';
import { makeTempDir, runCli } from '../helpers/cli.js';
import { build, TIME, writeEvidence } from './fixtures.js';

/**
 * Inputs that must be refused (issue 3): each gives a PacketError with a stable code and the
 * right kind (exit 1 for input, 2 for usage), and no packet: nothing new next to --out, and an
 * existing file at --out keeps its bytes.
 */

let temp: ReturnType<typeof makeTempDir>;
let cwd: string;
const OLD = 'an older packet that must survive\n';

beforeEach(() => {
  temp = makeTempDir('packet-inputs-');
  cwd = temp.path;
  writeEvidence(cwd);
  mkdirSync(join(cwd, 'out'));
});
afterEach(() => temp.cleanup());

async function buildError(inputs: string[], out = 'out/p.packet.tar', extra: { strict?: boolean; followSymlinks?: boolean } = {}): Promise<PacketError> {
  const error = await build(cwd, out, inputs, extra).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PacketError);
  return error as PacketError;
}

/** Expect the library to refuse with `code`/`kind`, then the CLI to exit with the matching code, both forms, leaving nothing. */
async function expectRefused(inputs: string[], code: string, kind: 'input' | 'usage', extra: { strict?: boolean; followSymlinks?: boolean } = {}): Promise<void> {
  for (const out of ['out/p.packet.tar', 'out/unpacked/']) {
    const error = await buildError(inputs, out, extra);
    expect({ code: error.code, kind: error.kind }).toEqual({ code, kind });
    expect(readdirSync(join(cwd, 'out'))).toEqual([]);
  }
  writeFileSync(join(cwd, 'out', 'p.packet.tar'), OLD);
  const flags = [...(extra.strict ? ['--strict'] : []), ...(extra.followSymlinks ? ['--follow-symlinks'] : [])];
  const run = await runCli(['build', '--out', 'out/p.packet.tar', '--time', TIME, '--quiet', ...flags, ...inputs], { cwd });
  expect(run.code).toBe(kind === 'usage' ? 2 : 1);
  expect(run.stdout).toBe('');
  expect(run.stderr).toMatch(/^packet: /);
  expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(readdirSync(join(cwd, 'out'))).toEqual(['p.packet.tar']);
  expect(readFileSync(join(cwd, 'out', 'p.packet.tar'), 'utf8')).toBe(OLD);
}

describe('packet build refuses bad inputs and leaves no packet', () => {
  it('builds the evidence folder when nothing is wrong (baseline)', async () => {
    const result = await build(cwd, 'out/p.packet.tar', ['evidence']);
    expect(result.metadata.files.count).toBe(5);
    expect(readdirSync(join(cwd, 'out'))).toEqual(['p.packet.tar']);
  });

  it('refuses a missing path (INPUT_MISSING, exit 1)', async () => {
    await expectRefused(['evidence', 'no-such-file.txt'], 'INPUT_MISSING', 'input');
  });

  it('refuses no inputs at all (NO_INPUTS, exit 2)', async () => {
    await expectRefused([], 'NO_INPUTS', 'usage');
  });

  it('refuses an unreadable file (chmod 000)', async () => {
    const file = join(cwd, 'evidence', 'notes.txt');
    chmodSync(file, 0o000);
    let readable = true;
    try {
      accessSync(file, constants.R_OK);
    } catch {
      readable = false;
    }
    if (readable) return; // root reads it anyway: nothing to prove here
    await expectRefused(['evidence'], 'INPUT_UNREADABLE', 'input');
  });

  it('refuses an unreadable folder (chmod 000) unless running as root', async () => {
    if (process.getuid?.() === 0) return;
    chmodSync(join(cwd, 'evidence', 'logs'), 0o000);
    try {
      await expectRefused(['evidence'], 'INPUT_UNREADABLE', 'input');
    } finally {
      chmodSync(join(cwd, 'evidence', 'logs'), 0o755);
    }
  });

  it('refuses a symbolic link in an input (INPUT_SYMLINK)', async () => {
    symlinkSync('notes.txt', join(cwd, 'evidence', 'link.txt'));
    await expectRefused(['evidence'], 'INPUT_SYMLINK', 'input');
  });

  it('follows a link inside its input with --follow-symlinks, packing the target bytes', async () => {
    symlinkSync('notes.txt', join(cwd, 'evidence', 'link.txt'));
    await build(cwd, 'out/unpacked/', ['evidence'], { followSymlinks: true });
    expect(readFileSync(join(cwd, 'out/unpacked/payload/evidence/link.txt'))).toEqual(readFileSync(join(cwd, 'evidence/notes.txt')));
  });

  it('never follows a link outside its input, even with --follow-symlinks (INPUT_SYMLINK_OUTSIDE)', async () => {
    writeFileSync(join(cwd, 'outside-secret.txt'), 'not evidence\n');
    symlinkSync('../outside-secret.txt', join(cwd, 'evidence', 'escape.txt'));
    await expectRefused(['evidence'], 'INPUT_SYMLINK_OUTSIDE', 'input', { followSymlinks: true });
  });

  it('never follows a chain of links that ends outside its input', async () => {
    writeFileSync(join(cwd, 'outside.txt'), 'not evidence\n');
    symlinkSync('../../outside.txt', join(cwd, 'evidence', 'logs', 'hop2'));
    symlinkSync('logs/hop2', join(cwd, 'evidence', 'hop1'));
    await expectRefused(['evidence'], 'INPUT_SYMLINK_OUTSIDE', 'input', { followSymlinks: true });
  });

  it('refuses a link to a folder even with --follow-symlinks (INPUT_SYMLINK_DIRECTORY)', async () => {
    symlinkSync('logs', join(cwd, 'evidence', 'logs-again'));
    await expectRefused(['evidence'], 'INPUT_SYMLINK_DIRECTORY', 'input', { followSymlinks: true });
  });

  it('refuses a broken link with --follow-symlinks (INPUT_SYMLINK_BROKEN)', async () => {
    symlinkSync('nothing-here', join(cwd, 'evidence', 'dangling'));
    await expectRefused(['evidence'], 'INPUT_SYMLINK_BROKEN', 'input', { followSymlinks: true });
  });

  it.each([
    ['a newline', 'two\nlines.txt'],
    ['a carriage return', 'cr\r.txt'],
    ['a tab', 'tab\there.txt'],
    ['an escape', 'esc\u001b[31m.txt'],
    ['DEL', 'del\u007f.txt'],
  ])('refuses a name with %s (INPUT_CONTROL_CHARACTER)', async (_label, name) => {
    writeFileSync(join(cwd, 'evidence', name), 'x\n');
    await expectRefused(['evidence'], 'INPUT_CONTROL_CHARACTER', 'input');
  });

  it('refuses a folder name with a newline too', async () => {
    mkdirSync(join(cwd, 'evidence', 'bad\ndir'));
    writeFileSync(join(cwd, 'evidence', 'bad\ndir', 'ok.txt'), 'x\n');
    await expectRefused(['evidence'], 'INPUT_CONTROL_CHARACTER', 'input');
  });

  it('refuses two names equal after NFC (NFD and NFC "café" in one folder)', async () => {
    const nfc = 'caf\u00e9.txt';
    const nfd = 'cafe\u0301.txt';
    writeFileSync(join(cwd, 'evidence', nfc), 'composed\n');
    writeFileSync(join(cwd, 'evidence', nfd), 'decomposed\n');
    expect(readdirSync(join(cwd, 'evidence')).filter((n) => n.normalize('NFC') === nfc)).toHaveLength(2);
    await expectRefused(['evidence'], 'INPUT_NFC_COLLISION', 'input');
  });

  it('stores a lone NFD name as NFC', async () => {
    writeFileSync(join(cwd, 'evidence', 'cafe\u0301.txt'), 'decomposed\n');
    await build(cwd, 'out/unpacked/', ['evidence']);
    expect(readdirSync(join(cwd, 'out/unpacked/payload/evidence'))).toContain('caf\u00e9.txt');
  });

  it('refuses two inputs that land on the same path (INPUT_DUPLICATE)', async () => {
    mkdirSync(join(cwd, 'other'));
    writeFileSync(join(cwd, 'other', 'notes.txt'), 'one\n');
    mkdirSync(join(cwd, 'again'));
    writeFileSync(join(cwd, 'again', 'notes.txt'), 'two\n');
    await expectRefused(['other/notes.txt', 'again/notes.txt'], 'INPUT_DUPLICATE', 'input');
  });

  it('refuses the output inside an input (OUTPUT_INSIDE_INPUT, exit 2), both forms', async () => {
    for (const out of ['evidence/p.packet.tar', 'evidence/sub/unpacked/']) {
      const error = await buildError(['evidence'], out);
      expect({ code: error.code, kind: error.kind }).toEqual({ code: 'OUTPUT_INSIDE_INPUT', kind: 'usage' });
    }
    const run = await runCli(['build', '--out', 'evidence/p.packet.tar', '--time', TIME, 'evidence'], { cwd });
    expect(run.code).toBe(2);
    expect(existsSync(join(cwd, 'evidence', 'p.packet.tar'))).toBe(false);
    expect(existsSync(join(cwd, 'evidence', 'sub'))).toBe(false);
  });

  it('refuses a fifo in an input (INPUT_SPECIAL_FILE)', async () => {
    const made = spawnSync('mkfifo', [join(cwd, 'evidence', 'pipe')]);
    if (made.status !== 0) return;
    await expectRefused(['evidence'], 'INPUT_SPECIAL_FILE', 'input');
  });

  it('refuses a binary file with --strict (BINARY_FILE), and includes it unscanned without', async () => {
    writeFileSync(join(cwd, 'evidence', 'blob.bin'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0xff, 0xfe]));
    await expectRefused(['evidence'], 'BINARY_FILE', 'input', { strict: true });
    const result = await build(cwd, 'out/unpacked/', ['evidence']);
    expect(result.metadata.redaction.notScanned).toEqual(['payload/evidence/blob.bin']);
    expect(readFileSync(join(cwd, 'out/unpacked/payload/evidence/blob.bin'))).toEqual(readFileSync(join(cwd, 'evidence/blob.bin')));
  });

  it('refuses a non-empty folder at --out DIR/ and leaves it untouched (OUTPUT_NOT_EMPTY)', async () => {
    mkdirSync(join(cwd, 'out', 'unpacked'));
    writeFileSync(join(cwd, 'out', 'unpacked', 'keep.txt'), OLD);
    const error = await buildError(['evidence'], 'out/unpacked/');
    expect(error.code).toBe('OUTPUT_NOT_EMPTY');
    expect(readdirSync(join(cwd, 'out'))).toEqual(['unpacked']);
    expect(readdirSync(join(cwd, 'out', 'unpacked'))).toEqual(['keep.txt']);
  });
});

describe('review: output names that start with two dots', () => {
  it('an output inside the input named "..x.packet.tar" is still OUTPUT_INSIDE_INPUT', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync: write, existsSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join: joinPath } = await import('node:path');
    const { runCli } = await import('../helpers/cli.js');
    const dir = mkdtempSync(joinPath(tmpdir(), 'packet-dots-'));
    mkdirSync(joinPath(dir, 'in'));
    write(joinPath(dir, 'in', 'a.txt'), 'a\n');
    const run = await runCli(['build', '--name', 'x', '--out', 'in/..x.packet.tar', '--time', '2026-01-01T00:00:00Z', 'in'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('inside the input');
    expect(existsSync(joinPath(dir, 'in', '..x.packet.tar'))).toBe(false);
  });
});

describe('an existing packet file at --out', () => {
  it('is never replaced without --force (OUTPUT_EXISTS), and is replaced with it', async () => {
    const { mkdtempSync, mkdirSync, readFileSync, writeFileSync: write } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join: joinPath } = await import('node:path');
    const { runCli } = await import('../helpers/cli.js');
    const dir = mkdtempSync(joinPath(tmpdir(), 'packet-exists-'));
    mkdirSync(joinPath(dir, 'in'));
    write(joinPath(dir, 'in', 'a.txt'), 'a\n');
    write(joinPath(dir, 'old.packet.tar'), 'a signed packet, say');
    const args = ['build', '--out', 'old.packet.tar', '--time', '2026-01-01T00:00:00Z', '--quiet', 'in'];
    const refused = await runCli(args, { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('already exists');
    expect(readFileSync(joinPath(dir, 'old.packet.tar'), 'utf8')).toBe('a signed packet, say');
    expect((await runCli([...args, '--force'], { cwd: dir })).code).toBe(0);
    expect(readFileSync(joinPath(dir, 'old.packet.tar')).subarray(0, 12).toString()).toBe('payload/in/a');
    expect((await runCli(['build', '--out', '', 'in'], { cwd: dir })).code).toBe(2);
    expect((await runCli(['build', '--out', 'x.packet.tar', ''], { cwd: dir })).code).toBe(2);
  });
});
