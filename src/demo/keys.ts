import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as openpgp from 'openpgp';

/** A throw-away OpenPGP v4 ed25519 key pair made with OpenPGP.js (kept in memory and a private temp folder). */
export async function makeKeyFileSigner(dir: string, name: string, email: string, passphrase: string, date: Date): Promise<{ keyFile: string; publicKey: string; fingerprint: string }> {
  const generated = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name, email }],
    passphrase,
    date,
    format: 'armored',
    config: { v6Keys: false },
  });
  const keyFile = join(dir, `${email.split('@')[0]}.key.asc`);
  await writeFile(keyFile, generated.privateKey, { mode: 0o600 });
  const key = await openpgp.readKey({ armoredKey: generated.publicKey });
  return { keyFile, publicKey: generated.publicKey, fingerprint: key.getFingerprint().toUpperCase() };
}

/** A throw-away key inside a private GNUPGHOME, so the demo signs through the real gpg as a hardware-token user would. */
export async function makeGpgSigner(dir: string, name: string, email: string): Promise<{ gnupgHome: string; fingerprint: string }> {
  const gnupgHome = join(dir, 'gnupg');
  await mkdir(gnupgHome, { mode: 0o700 });
  const env = { ...process.env, GNUPGHOME: gnupgHome };
  await run('gpg', ['--batch', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', '', '--quick-gen-key', `${name} <${email}>`, 'ed25519', 'sign', '1y'], env);
  const listing = await run('gpg', ['--batch', '--with-colons', '--list-keys', email], env);
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(listing)?.[1];
  if (fingerprint === undefined) throw new Error('gpg did not list the key it made');
  return { gnupgHome, fingerprint };
}

export async function stopGpgAgent(gnupgHome: string): Promise<void> {
  await run('gpgconf', ['--kill', 'gpg-agent'], { ...process.env, GNUPGHOME: gnupgHome }).catch(() => undefined);
}

export function hasGpg(): Promise<boolean> {
  return run('gpg', ['--version'], process.env).then(
    () => true,
    () => false,
  );
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}: ${err.trim().split('\n').pop() ?? ''}`))));
  });
}
