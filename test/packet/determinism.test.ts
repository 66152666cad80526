import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, readFileSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, makeTempDir } from '../helpers/cli.js';
import { EPOCH, listFiles, sha256, TIME, writeEvidence } from './fixtures.js';

/**
 * Determinism (DESIGN.md "The packet"): the same inputs and created time give a byte-identical
 * tar whatever the environment of the process or the metadata of the input files. Each variant
 * runs the built binary in its own child process.
 */

const temp = makeTempDir('packet-determinism-');
const BASE_ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' };

interface Variant {
  /** Folder holding `evidence/` and `summary.txt` (a copy of the reference inputs). */
  inputs: string;
  env?: Record<string, string>;
  umask?: string;
  order?: 'reversed';
  args?: string[];
}

let counter = 0;

/** Build the two inputs into a fresh folder with the built binary; returns the tar bytes. */
function buildWith(variant: Variant): Buffer {
  counter += 1;
  const outDir = join(temp.path, `out-${counter}`);
  mkdirSync(outDir);
  const out = join(outDir, 'change-42.packet.tar');
  const inputs = [join(variant.inputs, 'evidence'), join(variant.inputs, 'summary.txt')];
  if (variant.order === 'reversed') inputs.reverse();
  const args = ['build', '--out', out, '--quiet', ...(variant.args ?? ['--time', TIME]), ...inputs];
  const script = `umask ${variant.umask ?? '022'} && exec "$@"`;
  const run = spawnSync('sh', ['-c', script, 'sh', process.execPath, BIN, ...args], {
    cwd: variant.inputs,
    env: { ...BASE_ENV, ...variant.env },
    encoding: 'utf8',
  });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return readFileSync(out);
}

function copyInputs(name: string): string {
  const dir = join(temp.path, name);
  cpSync(join(temp.path, 'reference'), dir, { recursive: true });
  return dir;
}

let reference: Buffer;

beforeAll(() => {
  const dir = join(temp.path, 'reference');
  mkdirSync(dir);
  writeEvidence(dir);
  writeFileSync(join(dir, 'summary.txt'), 'summary of change 42\n');
  reference = buildWith({ inputs: dir });
});

afterAll(() => temp.cleanup());

describe('packet build is deterministic', () => {
  it('builds a non-trivial tar to compare against', () => {
    expect(reference.byteLength).toBeGreaterThan(10 * 512);
  });

  it.each([
    ['TZ', { TZ: 'Pacific/Kiritimati' }],
    ['TZ negative', { TZ: 'America/St_Johns' }],
    ['locale', { LC_ALL: 'tr_TR.UTF-8', LANG: 'de_DE.UTF-8' }],
    ['C locale', { LC_ALL: 'C', LANG: 'C' }],
  ])('gives the same bytes whatever the %s', (_label, env) => {
    expect(sha256(buildWith({ inputs: join(temp.path, 'reference'), env }))).toBe(sha256(reference));
  });

  it('gives the same bytes whatever the umask', () => {
    expect(sha256(buildWith({ inputs: join(temp.path, 'reference'), umask: '077' }))).toBe(sha256(reference));
    expect(sha256(buildWith({ inputs: join(temp.path, 'reference'), umask: '000' }))).toBe(sha256(reference));
  });

  it('gives the same bytes whatever the order the inputs are named in', () => {
    expect(sha256(buildWith({ inputs: join(temp.path, 'reference'), order: 'reversed' }))).toBe(sha256(reference));
  });

  it('gives the same bytes whatever the file mtimes', () => {
    const dir = copyInputs('mtimes');
    for (const [index, file] of listFiles(dir).entries()) utimesSync(join(dir, file), 1_000_000 + index * 7919, 2_000_000_000 - index * 104_729);
    utimesSync(join(dir, 'evidence'), 123, 456);
    expect(sha256(buildWith({ inputs: dir }))).toBe(sha256(reference));
  });

  it('gives the same bytes whatever the permissions', () => {
    const dir = copyInputs('modes');
    for (const [index, file] of listFiles(dir).entries()) chmodSync(join(dir, file), [0o600, 0o755, 0o444, 0o640][index % 4] as number);
    chmodSync(join(dir, 'evidence', 'logs'), 0o700);
    expect(sha256(buildWith({ inputs: dir }))).toBe(sha256(reference));
  });

  it.skipIf(process.getuid?.() !== 0)('gives the same bytes whatever the owners (as root: chowned copy)', () => {
    const dir = copyInputs('owners');
    for (const file of listFiles(dir)) chownSync(join(dir, file), 1234, 5678);
    chownSync(join(dir, 'evidence'), 4321, 8765);
    expect(sha256(buildWith({ inputs: dir }))).toBe(sha256(reference));
  });

  it('takes the created time from SOURCE_DATE_EPOCH when --time is absent, with the same bytes', () => {
    const bytes = buildWith({ inputs: join(temp.path, 'reference'), env: { SOURCE_DATE_EPOCH: EPOCH, TZ: 'Asia/Kolkata' }, args: [] });
    expect(sha256(bytes)).toBe(sha256(reference));
  });

  it('gives different bytes for a different time (the comparison can fail)', () => {
    const bytes = buildWith({ inputs: join(temp.path, 'reference'), args: ['--time', '2026-01-31T12:00:01Z'] });
    expect(sha256(bytes)).not.toBe(sha256(reference));
  });

  it('gives different bytes when one input byte changes', () => {
    const dir = copyInputs('changed');
    writeFileSync(join(dir, 'evidence', 'notes.txt'), 'deployed release 1.2.4 to prod\nall checks green\n');
    expect(sha256(buildWith({ inputs: dir }))).not.toBe(sha256(reference));
  });
});
