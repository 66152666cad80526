// Benchmark: scale. packet build and verify on a tree of 50,000 small files (against plain
// tar -cf and openssl dgst in the same run), and peak memory on 1,000,000 small files and on one
// 20 GiB file (sparse input, so generating it costs no disk). Trees are made under /tmp and
// removed afterwards. Usage: node bench/scale.mjs [--only 50k|1m|20g] [--files N] [--gib N]
// (after npm run build). Prints a Markdown table; times are wall clock, with CPU seconds (user +
// system, from /usr/bin/time) where given.
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, fmt, measure, ratio } from './lib/measure.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : process.argv[i + 1];
};
const only = arg('--only', undefined);
const MANY = Number(arg('--files', '1000000'));
const GIB = Number(arg('--gib', '20'));
const MEGA_LIMIT_MIB = 200;

// Rows are printed as they are measured, so a failure later keeps what was measured before.
console.log('| measure | time | compared with | ratio | target | peak RSS |');
console.log('|---|---|---|---|---|---|');
const row = (...cells) => console.log(`| ${cells.join(' | ')} |`);

/** Small text logs, 1,000 to a folder: `count` files of about `bytes` each. */
function smallTree(root, count, bytes) {
  const line = 'step applied: config revision 4f2a9c1 on host db-07, checks green, duration 412 ms\n';
  const body = line.repeat(Math.max(1, Math.round(bytes / line.length)));
  for (let i = 0; i < count; i += 1) {
    const dir = join(root, `d${String(Math.floor(i / 1000)).padStart(4, '0')}`);
    if (i % 1000 === 0) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `f${i}.log`), i % 1000 === 7 ? `${body}password=hunter2-${i}\n` : body);
  }
}

function withTemp(prefix, work) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    return work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Median wall and CPU seconds of single runs; the highest peak RSS. */
const medianOf = (results) => {
  const mid = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const rss = results.map((r) => r.rssMiB).filter((v) => v !== undefined);
  return {
    seconds: mid(results.map((r) => r.seconds)),
    cpuSeconds: results[0].cpuSeconds === undefined ? undefined : mid(results.map((r) => r.cpuSeconds)),
    rssMiB: rss.length === 0 ? undefined : Math.max(...rss),
  };
};
const withCpu = (m) => (m.cpuSeconds === undefined ? fmt(m.seconds) : `${fmt(m.seconds)} (CPU ${fmt(m.cpuSeconds)})`);

const build = (work, out, input, runs) =>
  measure('packet build', [BIN, 'build', '--quiet', '--time', '2026-01-01T00:00:00Z', '--out', join(work, out), input], {
    node: true,
    runs,
    before: () => rmSync(join(work, out), { force: true }),
  });

if (only === undefined || only === '50k') {
  withTemp('bench-50k-', (work) => {
    const input = join(work, 'evidence');
    smallTree(input, 50_000, 4000);
    // Alternately, so that a change in the machine's load falls on both alike.
    const tars = [];
    const builds = [];
    for (let i = 0; i < 3; i += 1) {
      tars.push(measure('tar -cf', ['tar', '-cf', join(work, 'plain.tar'), '-C', work, 'evidence'], { runs: 1 }));
      builds.push(build(work, 'out.packet.tar', input, 1));
    }
    const tar = medianOf(tars);
    const b = medianOf(builds);
    const v = measure('packet verify', [BIN, 'verify', '--quiet', '--integrity-only', join(work, 'out.packet.tar')], { node: true });
    const dgst = measure('openssl dgst', ['openssl', 'dgst', '-sha256', join(work, 'out.packet.tar')]);
    row('build, 50,000 files (198 MB)', withCpu(b), `tar -cf ${withCpu(tar)}`, `${ratio(b.seconds, tar.seconds)} the time${b.cpuSeconds === undefined ? '' : ` (CPU ${ratio(b.cpuSeconds, tar.cpuSeconds)})`}`, '<= 2x', `${b.rssMiB} MiB`);
    row('verify, 50,000 files', fmt(v.seconds), `openssl dgst -sha256 ${fmt(dgst.seconds)}`, `${ratio(v.seconds, dgst.seconds)} the time`, '-', `${v.rssMiB} MiB`);
  });
}

if (only === undefined || only === '1m') {
  withTemp('bench-1m-', (work) => {
    const input = join(work, 'evidence');
    smallTree(input, MANY, 100);
    const tar = measure('tar -cf', ['tar', '-cf', join(work, 'plain.tar'), '-C', work, 'evidence'], { runs: 1 });
    rmSync(join(work, 'plain.tar'), { force: true });
    const b = build(work, 'out.packet.tar', input, 1);
    const v = measure('packet verify', [BIN, 'verify', '--quiet', '--integrity-only', join(work, 'out.packet.tar')], { node: true, runs: 1 });
    const i = measure('packet inspect', [BIN, 'inspect', join(work, 'out.packet.tar')], { node: true, runs: 1 });
    const files = MANY.toLocaleString('en');
    row(`build, ${files} files: peak RSS`, withCpu(b), `tar -cf ${withCpu(tar)}`, `${ratio(b.seconds, tar.seconds)} the time`, `< ${MEGA_LIMIT_MIB} MiB`, `${b.rssMiB} MiB`);
    row(`verify, ${files} files: peak RSS`, fmt(v.seconds), '-', '-', `< ${MEGA_LIMIT_MIB} MiB`, `${v.rssMiB} MiB`);
    row(`inspect, ${files} files: peak RSS`, fmt(i.seconds), '-', '-', `< ${MEGA_LIMIT_MIB} MiB`, `${i.rssMiB} MiB`);
  });
}

if (only === undefined || only === '20g') {
  withTemp('bench-20g-', (work) => {
    const input = join(work, 'evidence');
    mkdirSync(input);
    writeFileSync(join(input, 'disk.img'), '');
    truncateSync(join(input, 'disk.img'), GIB * 2 ** 30); // sparse: zeros that cost no disk to read
    const b = build(work, 'out.packet.tar', input, 1);
    const size = statSync(join(work, 'out.packet.tar')).size;
    const v = measure('packet verify', [BIN, 'verify', '--quiet', '--integrity-only', join(work, 'out.packet.tar')], { node: true, runs: 1 });
    const dgst = measure('openssl dgst', ['openssl', 'dgst', '-sha256', join(work, 'out.packet.tar')], { runs: 1 });
    row(`build, one ${GIB} GiB file: peak RSS`, fmt(b.seconds), '-', `${(size / 2 ** 30).toFixed(1)} GiB written`, `< ${MEGA_LIMIT_MIB} MiB`, `${b.rssMiB} MiB`);
    row(`verify, one ${GIB} GiB file: peak RSS`, fmt(v.seconds), `openssl dgst -sha256 ${fmt(dgst.seconds)}`, `${ratio(v.seconds, dgst.seconds)} the time`, `< ${MEGA_LIMIT_MIB} MiB`, `${v.rssMiB} MiB`);
  });
}
