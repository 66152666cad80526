// One timed command for the validation benchmarks: wall seconds, and CPU seconds (user + sys,
// all threads) when GNU time is installed (less sensitive to a machine shared with others).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

export function timed(command, args, cwd) {
  const cpuFile = join(tmpdir(), `packet-bench-cpu-${process.pid}`);
  const [cmd, argv] = GNU_TIME === undefined ? [command, args] : [GNU_TIME, ['-f', '%U %S', '-o', cpuFile, command, ...args]];
  const started = process.hrtime.bigint();
  const result = spawnSync(cmd, argv, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  let cpu = NaN;
  if (GNU_TIME !== undefined) {
    const [user, sys] = readFileSync(cpuFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    cpu = user + sys;
    rmSync(cpuFile, { force: true });
  }
  return { seconds, cpu, status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function median(list) {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** `median s [run, run, ...]`. */
export function summary(list, digits = 3) {
  return `${median(list).toFixed(digits)} s [${list.map((t) => t.toFixed(digits)).join(', ')}]`;
}
