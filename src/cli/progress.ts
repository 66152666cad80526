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
