/** A throw-away GnuPG home per test file: batch mode, loopback pinentry, agent killed after. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GpgHome {
  home: string;
  env: NodeJS.ProcessEnv;
  run(args: string[], input?: Uint8Array | string): { status: number | null; stdout: Buffer; stderr: string };
  /** Generate a key without passphrase; returns its primary fingerprint. */
  generate(userId: string, algorithm: 'ed25519' | 'rsa3072'): string;
  cleanup(): void;
}

export function makeGpgHome(): GpgHome {
  const home = mkdtempSync(join(tmpdir(), 'gpg-'));
  const env: NodeJS.ProcessEnv = { GNUPGHOME: home, PATH: process.env.PATH, LANG: 'C' };
  const run = (args: string[], input?: Uint8Array | string) => {
    const result = spawnSync('gpg', ['--batch', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], {
      env,
      input: input === undefined ? undefined : Buffer.from(input),
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr.toString('utf8') };
  };
  return {
    home,
    env,
    run,
    generate(userId, algorithm) {
      const made = run(['--quick-gen-key', userId, algorithm, 'sign', 'never']);
      if (made.status !== 0) throw new Error(`gpg key generation failed: ${made.stderr}`);
      const listed = run(['--with-colons', '--list-keys', userId]).stdout.toString('utf8');
      const fpr = /^fpr:+([0-9A-F]{40}):/m.exec(listed);
      if (fpr === null) throw new Error('no fingerprint listed');
      return fpr[1]!;
    },
    cleanup() {
      spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env });
      rmSync(home, { recursive: true, force: true });
    },
  };
}
