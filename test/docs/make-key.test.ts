/**
 * scripts/make-key.mjs, the OpenPGP.js key maker docs/ceremony.md shows: a v4 key gpg reads, a
 * private key file only its owner can read, the passphrase never from the command line, and no
 * file ever overwritten. (Signing with its keys runs in the documentation tests.)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, PROJECT_ROOT } from '../helpers/cli.js';

const temp = makeTempDir('make-key-');
afterAll(() => temp.cleanup());
const SCRIPT = join(PROJECT_ROOT, 'scripts/make-key.mjs');

function makeKey(args: string[], env: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [SCRIPT, '--name', 'Dana Example', '--email', 'dana@example.com', ...args], {
    cwd: temp.path,
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
  });
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

describe('scripts/make-key.mjs', () => {
  it('writes a passphrase-protected v4 key (mode 0600) and its public key, and prints the fingerprint gpg sees', () => {
    const run = makeKey(['--out', 'dana', '--curve', 'p256'], { PACKET_PASSPHRASE: 'a long passphrase' });
    expect(run.code, run.stderr).toBe(0);
    const fingerprint = /fingerprint ([0-9A-F]{40})/.exec(run.stdout)?.[1];
    expect(fingerprint).toBeDefined();
    expect(statSync(join(temp.path, 'dana.key.asc')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(temp.path, 'dana.key.asc'), 'utf8')).toContain('BEGIN PGP PRIVATE KEY BLOCK');
    expect(run.stdout + run.stderr).not.toContain('a long passphrase');
    const gpg = spawnSync('gpg', ['--batch', '--show-keys', '--with-colons', join(temp.path, 'dana.pub.asc')], { encoding: 'utf8', env: { PATH: process.env.PATH, GNUPGHOME: temp.path } });
    expect(gpg.status, gpg.stderr).toBe(0);
    expect(gpg.stdout).toMatch(new RegExp(`^pub:[^:]*:256:19:.*\\nfpr:+${fingerprint}:`, 'm'));
  });

  it('takes the passphrase from --passphrase-file, and refuses to run without one', () => {
    writeFileSync(join(temp.path, 'pass'), 'from a file\n', { mode: 0o600 });
    expect(makeKey(['--out', 'erin', '--passphrase-file', 'pass']).code).toBe(0);
    const none = makeKey(['--out', 'frank']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^packet: no passphrase/);
    expect(none.stderr).toContain('hint:');
  });

  it('never overwrites a key file', () => {
    const before = readFileSync(join(temp.path, 'dana.key.asc'));
    const again = makeKey(['--out', 'dana'], { PACKET_PASSPHRASE: 'another' });
    expect(again.code).toBe(3);
    expect(readFileSync(join(temp.path, 'dana.key.asc')).equals(before)).toBe(true);
  });
});
