// Redaction speed before and after, in the same run: bench/redact.mjs run alternately against
// the build of a base commit and against this build, in separate processes, `--runs` times each;
// medians of CPU-time throughput (user + system; the figure to compare on a shared machine), and
// the ratio of the best runs (contention only ever slows a run down, so on a loaded machine the
// best runs are the least disturbed).
// Usage (after `npm run build`): node bench/redact-speed.mjs [--base COMMIT] [--mib N] [--runs N]
// The base is exported with `git archive` into .bench-work/ and compiled with this tree's tsc.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lib/measure.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : process.argv[i + 1];
};
/** The last commit before the structural detectors and the leak gate (issue 11). */
const base = arg('--base', '0c13493');
const mib = arg('--mib', '32');
const runs = Number(arg('--runs', '3'));

const baseDir = join(ROOT, '.bench-work', `redact-base-${base}`);
if (!existsSync(join(baseDir, 'dist/redact/index.js'))) {
  rmSync(baseDir, { recursive: true, force: true });
  mkdirSync(baseDir, { recursive: true });
  const tar = execFileSync('git', ['-C', ROOT, 'archive', base], { maxBuffer: 1 << 28 });
  execFileSync('tar', ['-x', '-C', baseDir], { input: tar });
  symlinkSync(join(ROOT, 'node_modules'), join(baseDir, 'node_modules'));
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(baseDir, 'tsconfig.json')], { stdio: 'inherit' });
}

const builds = [
  ['before', join(baseDir, 'dist')],
  ['after', join(ROOT, 'dist')],
];
const figures = new Map(builds.map(([name]) => [name, { text: [], clean: [], stream: [], scan: [], build: [] }]));
for (let i = 0; i < runs; i += 1) {
  for (const [name, dist] of builds) {
    const out = spawnSync(process.execPath, [join(ROOT, 'bench/redact.mjs'), mib, dist], { encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`bench/redact.mjs ${name} failed: ${out.stderr}`);
    const mbps = (label) => Number(new RegExp(`${label}[^\\n]*?CPU [0-9.]+ s = ([0-9]+) MB/s`).exec(out.stdout)?.[1]);
    const f = figures.get(name);
    f.text.push(mbps('redactText: [0-9.]+ MB'));
    f.clean.push(mbps('redactText: no secrets'));
    f.stream.push(mbps('stream:'));
    f.scan.push(mbps('final scan:'));
    f.build.push(mbps('redact \\+ final scan:'));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [
  ['redactText, secret every 5,000 lines', 'text'],
  ['redactText, no secrets', 'clean'],
  ['stream, 1 MiB chunks', 'stream'],
  ['final scan of the redacted text (before: rules only; after: rules + leak gate)', 'scan'],
  ['redactText, then the final scan of its output (what a build does per file)', 'build'],
];
console.log(`base ${base}, ${mib} MiB of log text, ${runs} alternating runs each, median CPU throughput (all runs in brackets)\n`);
console.log('| | before | after | after / before | best after / best before |');
console.log('|---|---|---|---|---|');
for (const [label, key] of rows) {
  const b = figures.get('before')[key];
  const a = figures.get('after')[key];
  console.log(`| ${label} | ${median(b)} MB/s (${b.join(', ')}) | ${median(a)} MB/s (${a.join(', ')}) | ${(median(a) / median(b)).toFixed(2)}x | ${(Math.max(...a) / Math.max(...b)).toFixed(2)}x |`);
}
