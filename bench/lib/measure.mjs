// Shared helpers for the benchmarks: run a command several times, keep the median wall time.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median, underGnuTime } from './timed.mjs';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/packet.js');
const MAXRSS = join(ROOT, 'bench/lib/maxrss.cjs');

/**
 * Run `argv` `runs` times (after `before` each time); returns median seconds, median CPU seconds
 * (user + system, when /usr/bin/time is there) and, for node, peak RSS in MiB.
 */
export function measure(label, argv, { runs = 3, cwd = ROOT, before, node = false, okCodes = [0] } = {}) {
  const times = [];
  const cpu = [];
  let rss = 0;
  const rssDir = mkdtempSync(join(tmpdir(), 'bench-rss-'));
  try {
    for (let i = 0; i < runs; i += 1) {
      before?.();
      const rssFile = join(rssDir, `${i}`);
      const [command, ...args] = node ? [process.execPath, '-r', MAXRSS, ...argv] : argv;
      const run = underGnuTime(command, args);
      const start = process.hrtime.bigint();
      const result = spawnSync(run.command, run.args, { cwd, env: { ...process.env, BENCH_MAXRSS_FILE: rssFile, CI: 'true' }, stdio: ['ignore', 'ignore', 'pipe'], shell: false, maxBuffer: 1 << 26 });
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const cpuSeconds = run.cpu();
      if (!okCodes.includes(result.status)) throw new Error(`${label} failed (${result.status}): ${result.stderr}`);
      times.push(seconds);
      if (!Number.isNaN(cpuSeconds)) cpu.push(cpuSeconds);
      if (node) rss = Math.max(rss, Number(readFileSync(rssFile, 'utf8')) / 1024);
    }
  } finally {
    rmSync(rssDir, { recursive: true, force: true });
  }
  return { label, seconds: median(times), runs: times, cpuSeconds: cpu.length === 0 ? undefined : median(cpu), cpuRuns: cpu, rssMiB: node ? Math.round(rss) : undefined };
}

export function fmt(seconds) {
  return `${seconds.toFixed(2)} s`;
}

export function ratio(a, b) {
  return `${(a / b).toFixed(2)}x`;
}
