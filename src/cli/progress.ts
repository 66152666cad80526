import { lstat, opendir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CliIo } from './io.js';

export interface Progress {
  /** Whether updates are shown at all (callers may skip work done only for them). */
  readonly live: boolean;
  update(text: string): void;
  done(): void;
}

const SILENT: Progress = { live: false, update: () => undefined, done: () => undefined };

/**
 * Progress on standard error, only on a terminal, never in CI or with --quiet, at most ~8 updates
 * a second, on one rewritten line. Never touches standard output, so `--format json` stays clean.
 */
export function createProgress(io: CliIo, quiet: boolean): Progress {
  if (quiet || !io.stderrIsTTY || (io.env.CI !== undefined && io.env.CI !== '' && io.env.CI !== 'false')) return SILENT;
  let last = 0;
  let shown = false;
  return {
    live: true,
    update(text) {
      // The clock comes from io so that tests can drive the throttle.
      const now = io.now().getTime();
      if (now - last < 125) return;
      last = now;
      shown = true;
      io.stderr.write(`\r\u001b[2K${text}`);
    },
    done() {
      if (shown) io.stderr.write('\r\u001b[2K');
    },
  };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function rate(bytes: number, startedAt: number, now: number): string {
  const seconds = Math.max((now - startedAt) / 1000, 0.001);
  return `${formatBytes(bytes / seconds)}/s`;
}

/** `3.1 GiB of 8.0 GiB (38%)`: progress against a total, never past it (estimates may run short). */
export function ofTotal(done: number, total: number | undefined): string {
  if (total === undefined || total <= 0) return formatBytes(done);
  const shown = Math.min(done, total);
  return `${formatBytes(shown)} of ${formatBytes(total)} (${Math.floor((shown / total) * 100)}%)`;
}

/** Entries counted at most when a folder packet's size is summed for a progress total. */
const MAX_COUNTED_ENTRIES = 1_000_000;

/**
 * The bytes a read of a packet passes over, as a progress total: a tar file's size (its headers
 * included, so the count ends a little short of it), or the sum of an unpacked packet's regular
 * files (links are not followed). Undefined when it cannot be had cheaply. Only for display:
 * computed only when progress is shown, never trusted for anything else.
 */
export async function packetBytes(path: string): Promise<number | undefined> {
  const info = await lstat(path).catch(() => undefined);
  if (info === undefined) return undefined;
  if (info.isFile()) return info.size;
  if (!info.isDirectory()) return undefined;
  let total = 0;
  let entries = 0;
  const pending = [path];
  while (pending.length > 0) {
    const dir = await opendir(pending.pop() as string).catch(() => undefined);
    if (dir === undefined) continue;
    for await (const entry of dir) {
      entries += 1;
      if (entries > MAX_COUNTED_ENTRIES) return undefined; // leaving the loop closes the folder
      const full = join(dir.path, entry.name);
      if (entry.isDirectory()) pending.push(full);
      else if (entry.isFile()) total += (await lstat(full).catch(() => undefined))?.size ?? 0;
    }
  }
  return total;
}
