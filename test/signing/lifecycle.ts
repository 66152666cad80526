/**
 * Key life cycles made by the real gpg at chosen times (`--faked-system-time`, never the real
 * clock): the hardware-token layout (certify-only primary, signing subkey), renewal with
 * `--quick-set-expire`, revocation and expiry. Times are seconds since the epoch.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GpgHome } from './gpg.js';

export const DAY = 86_400;
export const epoch = (iso: string): number => Math.floor(new Date(iso).getTime() / 1000);
export const isoOf = (seconds: number): string => new Date(seconds * 1000).toISOString();

/** Run gpg with the clock frozen at `at` (seconds); throws on failure. */
export function gpgAt(gpg: GpgHome, at: number, args: string[], input?: string | Uint8Array): Buffer {
  const run = gpg.run(['--faked-system-time', `${at}!`, ...args], input);
  if (run.status !== 0) throw new Error(`gpg ${args.join(' ')} failed: ${run.stderr}`);
  return run.stdout;
}

export function fingerprintOf(gpg: GpgHome, userId: string): string {
  const listed = gpg.run(['--with-colons', '--list-keys', userId]).stdout.toString('utf8');
  const match = /^fpr:+([0-9A-F]{40}):/m.exec(listed);
  if (match === null) throw new Error(`no key for ${userId}`);
  return match[1] as string;
}

/** A certify-only primary with a signing subkey, both expiring after `validity` (gpg syntax: 1y, 30d). */
export function tokenLayoutKey(gpg: GpgHome, userId: string, at: number, algorithm: string, validity: string): string {
  gpgAt(gpg, at, ['--quick-gen-key', userId, algorithm, 'cert', validity]);
  const fpr = fingerprintOf(gpg, userId);
  gpgAt(gpg, at, ['--quick-add-key', fpr, algorithm, 'sign', validity]);
  return fpr;
}

/** The yearly renewal: new expiry for the primary and every subkey. */
export function renew(gpg: GpgHome, fpr: string, at: number, validity: string): void {
  gpgAt(gpg, at, ['--quick-set-expire', fpr, validity]);
  gpgAt(gpg, at, ['--quick-set-expire', fpr, validity, '*']);
}

export function exportKey(gpg: GpgHome, fpr: string): string {
  return gpg.run(['--armor', '--export', fpr]).stdout.toString('utf8');
}

/** A detached armored signature over `data`, made at `at`. */
export function signAtTime(gpg: GpgHome, fpr: string, at: number, data: Uint8Array): string {
  const file = join(gpg.home, `data-${at}`);
  writeFileSync(file, data);
  return gpgAt(gpg, at, ['--armor', '--detach-sign', '--local-user', fpr, '--output', '-', file]).toString('utf8');
}

/** Revoke the whole key at `at` with a reason (0 none, 1 superseded, 2 compromised, 3 retired), via `--edit-key revkey`. */
export function revoke(gpg: GpgHome, fpr: string, at: number, reason: 0 | 1 | 2 | 3): void {
  // gpg's menu numbers the reasons differently from RFC 4880: 1 compromised, 2 superseded, 3 retired.
  const menu = { 0: 0, 1: 2, 2: 1, 3: 3 }[reason];
  const answers = `revkey\ny\n${menu}\n\ny\nsave\n`;
  const run = gpg.run(['--faked-system-time', `${at}!`, '--command-fd', '0', '--edit-key', fpr], answers);
  if (run.status !== 0) throw new Error(`gpg --edit-key revkey failed: ${run.stderr}`);
}
