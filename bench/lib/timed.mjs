// One timed command for the validation benchmarks: wall seconds, and CPU seconds (user + sys,
// all threads) when GNU time is installed (less sensitive to a machine shared with others).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** Node arguments that make a run print its main thread's CPU time (thread-cpu.mjs); see mainThreadCpu. */
export const THREAD_CPU_ARGS = ['--import', join(import.meta.dirname, 'thread-cpu.mjs')];

/** The main thread's CPU seconds a run with THREAD_CPU_ARGS printed, or NaN. */
export function mainThreadCpu(stderr) {
  const match = /thread-cpu: main (\d+) ms/.exec(stderr);
  return match === null ? NaN : Number(match[1]) / 1000;
}

let gnuTimeRuns = 0;

/**
 * `command args` run under GNU time when it is installed; after the run, `cpu()` gives its CPU
 * seconds (user + system, all threads and children), NaN without GNU time.
 */
export function underGnuTime(command, args) {
  if (GNU_TIME === undefined) return { command, args, cpu: () => NaN };
  const file = join(tmpdir(), `packet-bench-cpu-${process.pid}-${gnuTimeRuns++}`);
  return {
    command: GNU_TIME,
    args: ['-f', '%U %S', '-o', file, command, ...args],
    cpu: () => {
      // The last line: GNU time writes "Command exited with non-zero status N" before it.
      const [user, sys] = readFileSync(file, 'utf8').trim().split('\n').pop().split(' ').map(Number);
      rmSync(file, { force: true });
      return user + sys;
    },
  };
}

export function timed(command, args, cwd) {
  const run = underGnuTime(command, args);
  const started = process.hrtime.bigint();
  const result = spawnSync(run.command, run.args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, cpu: run.cpu(), status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function median(list) {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** `median s [run, run, ...]`. */
export function summary(list, digits = 3) {
  return `${median(list).toFixed(digits)} s [${list.map((t) => t.toFixed(digits)).join(', ')}]`;
}

/**
 * The validation benchmarks' comparison, run by run in alternation: `packetRun(root)` for this
 * build (and for `baseline`, a built checkout, when given), then every ajv-cli invocation
 * (`{ args, cwd }`, run with node) summed; then the medians of wall and CPU seconds, the issue's
 * targets (under 1 s, faster than ajv-cli) and the ratio to the baseline.
 */
export function compareWithAjv({ runs, root, baseline, packetRun, ajvInvocations, packetLabel, ajvLabel }) {
  const packet = { wall: [], cpu: [], main: [] };
  const base = { wall: [], cpu: [], main: [] };
  const ajv = { wall: [], cpu: [], main: [] };
  const record = (into, result) => {
    into.wall.push(result.seconds);
    into.cpu.push(result.cpu);
    into.main.push(mainThreadCpu(result.stderr ?? ''));
  };
  for (let run = 0; run < runs; run += 1) {
    record(packet, packetRun(root));
    if (baseline !== undefined) record(base, packetRun(baseline));
    const total = { seconds: 0, cpu: 0 };
    for (const { args, cwd } of ajvInvocations) {
      const result = timed(process.execPath, args, cwd);
      if (result.status !== 0) throw new Error(`ajv-cli failed (${result.status}): ${result.stderr.slice(0, 2000)}`);
      total.seconds += result.seconds;
      total.cpu += result.cpu;
    }
    record(ajv, total);
  }
  const p = median(packet.wall);
  const a = median(ajv.wall);
  console.log(`${packetLabel}: median ${summary(packet.wall)} over ${runs} runs`);
  console.log(`${ajvLabel}: median ${summary(ajv.wall)}`);
  console.log(`CPU seconds (user+sys): packet median ${median(packet.cpu).toFixed(3)}, ajv-cli median ${median(ajv.cpu).toFixed(3)}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (!Number.isNaN(median(packet.main))) console.log(`main-thread CPU seconds: packet median ${summary(packet.main)}${baseline === undefined ? '' : `, baseline median ${summary(base.main)}`}`);
  console.log(`ratio packet/ajv-cli: ${(p / a).toFixed(2)}; under 1 s: ${p < 1 ? 'met' : 'NOT met'}; faster than ajv-cli: ${p < a ? 'met' : 'NOT met'}`);
  if (baseline !== undefined) {
    console.log(`baseline ${baseline}: median ${summary(base.wall)}, CPU median ${median(base.cpu).toFixed(3)} s; this build/baseline: wall ${(p / median(base.wall)).toFixed(2)}, CPU ${(median(packet.cpu) / median(base.cpu)).toFixed(2)}`);
  }
}
