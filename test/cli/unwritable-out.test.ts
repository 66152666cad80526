import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, makeTempDir, runBin } from '../helpers/cli.js';
import { TIME } from '../packet/fixtures.js';

/**
 * An output that cannot be written is an environment error (exit 3) that names the output, never
 * an internal error. The tests run as root, so permissions are tested by running the binary as an
 * unprivileged user, and a read-only file system by mounting one (each skipped where impossible).
 */

const temp = makeTempDir('packet-unwritable-');
let mounted: string | undefined;
afterAll(() => {
  if (mounted !== undefined) spawnSync('umount', [mounted]);
  temp.cleanup();
});

beforeAll(() => {
  mkdirSync(join(temp.path, 'evidence'));
  writeFileSync(join(temp.path, 'evidence', 'run.log'), 'applied change CHG-1\n');
  writeFileSync(join(temp.path, 'afile'), 'not a folder\n');
});

function build(out: string, options: { uid?: number } = {}): { code: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, 'build', '--quiet', '--time', TIME, '--out', out, 'evidence'], {
    cwd: temp.path,
    env: { PATH: process.env.PATH },
    encoding: 'utf8',
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
  });
  return { code: result.status, stderr: result.stderr };
}

function expectUnwritable(run: { code: number | null; stderr: string }, out: string, reason: RegExp): void {
  expect(run.stderr).not.toContain('internal error');
  expect(run.stderr).toContain(`packet: cannot write ${out}:`);
  expect(run.stderr).toMatch(reason);
  expect(run.stderr).toMatch(/\nhint: /);
  expect(run.code).toBe(3);
}

describe('an unwritable --out', () => {
  it('a file where a folder is needed (tar form, inside it)', () => {
    expectUnwritable(build('afile/x.packet.tar'), 'afile/x.packet.tar', /a file is where a folder is needed/);
  });

  it('a file where a folder is needed (unpacked form)', () => {
    const run = build('afile/');
    expect(run.stderr).toMatch(/^packet: cannot write .*afile\/?: a file is where a folder is needed/);
    expect(run.code).toBe(3);
  });

  it('a path under /proc', () => {
    const run = build('/proc/x.packet.tar');
    expect(run.stderr).not.toContain('internal error');
    expect(run.stderr).toContain('cannot write /proc/x.packet.tar');
    expect(run.code).toBe(3);
  });

  it('a read-only file system', (context) => {
    const mountPoint = join(temp.path, 'readonly');
    mkdirSync(mountPoint);
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', mountPoint], { encoding: 'utf8' });
    if (mount.status !== 0) {
      context.skip(`cannot mount a read-only tmpfs here (${mount.stderr.trim()})`);
      return;
    }
    mounted = mountPoint;
    expectUnwritable(build('readonly/x.packet.tar'), 'readonly/x.packet.tar', /read-only file system/);
    expectUnwritable(build('readonly/unpacked/'), 'readonly/unpacked/', /read-only file system/);
  });

  it('a folder the user may not write to', (context) => {
    if (process.getuid?.() !== 0) {
      context.skip('needs root to run the binary as another user');
      return;
    }
    const nobody = 65534;
    // The unprivileged user must reach the project and the inputs, but not write the output folder.
    const probe = spawnSync(process.execPath, [BIN, '--version'], { uid: nobody, gid: nobody, encoding: 'utf8' });
    if (probe.status !== 0) {
      context.skip(`the binary cannot run as uid ${nobody} here (${probe.stderr.trim().split('\n')[0]})`);
      return;
    }
    chmodSync(temp.path, 0o755);
    mkdirSync(join(temp.path, 'locked'), { mode: 0o555 });
    chmodSync(join(temp.path, 'locked'), 0o555);
    expectUnwritable(build('locked/x.packet.tar', { uid: nobody }), 'locked/x.packet.tar', /permission denied/);
    expectUnwritable(build('locked/sub/x.packet.tar', { uid: nobody }), 'locked/sub/x.packet.tar', /permission denied/);
    expect(readdirSync(join(temp.path, 'locked'))).toEqual([]);
  });

  it('the report file of verify too', () => {
    const built = runBin(['build', '--quiet', '--time', TIME, '--out', 'ok.packet.tar', 'evidence'], { cwd: temp.path });
    expect(built.code).toBe(0);
    const run = runBin(['verify', '--quiet', '--integrity-only', 'ok.packet.tar', '--report', 'afile/report.md'], { cwd: temp.path });
    expect(run.stderr).not.toContain('internal error');
    expect(run.stderr).toContain('afile/report.md');
    expect(run.code).toBe(3);
  });
});
