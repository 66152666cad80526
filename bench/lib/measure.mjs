// Shared helpers for the benchmarks: run a command several times, keep the median wall time.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/packet.js');
const MAXRSS = join(ROOT, 'bench/lib/maxrss.cjs');

/** /usr/bin/time (GNU time) when present: it gives each run's CPU seconds (user + system, children included). */
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

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
      const cpuFile = join(rssDir, `${i}.cpu`);
      const command = node ? [process.execPath, '-r', MAXRSS, ...argv] : argv;
      const [cmd, ...args] = TIME === undefined ? command : [TIME, '-f', '%U %S', '-o', cpuFile, ...command];
      const start = process.hrtime.bigint();
      const result = spawnSync(cmd, args, { cwd, env: { ...process.env, BENCH_MAXRSS_FILE: rssFile, CI: 'true' }, stdio: ['ignore', 'ignore', 'pipe'], shell: false, maxBuffer: 1 << 26 });
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (!okCodes.includes(result.status)) throw new Error(`${label} failed (${result.status}): ${result.stderr}`);
      times.push(seconds);
      if (TIME !== undefined) cpu.push(readFileSync(cpuFile, 'utf8').trim().split(/\s+/).slice(-2).reduce((sum, s) => sum + Number(s), 0));
      if (node) rss = Math.max(rss, Number(readFileSync(rssFile, 'utf8')) / 1024);
    }
  } finally {
    rmSync(rssDir, { recursive: true, force: true });
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { label, seconds: median(times), runs: times, cpuSeconds: cpu.length === 0 ? undefined : median(cpu), cpuRuns: cpu, rssMiB: node ? Math.round(rss) : undefined };
}

export function fmt(seconds) {
  return `${seconds.toFixed(2)} s`;
}

export function ratio(a, b) {
  return `${(a / b).toFixed(2)}x`;
}
