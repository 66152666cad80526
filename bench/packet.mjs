// Benchmark: packet build and packet verify on 1 GiB (4 x 256 MiB + 5,000 small text files),
// against the shell pipeline teams use today, plain tar, and openssl dgst, in the same run.
// Usage: node bench/packet.mjs [--small] (after npm run build). Prints a Markdown table.
import { randomFillSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, measure, ratio, BIN } from './lib/measure.mjs';

const small = process.argv.includes('--small');
const BIG_FILES = 4;
const BIG_BYTES = (small ? 16 : 256) * 2 ** 20;
const SMALL_FILES = small ? 500 : 5000;

export function runPacketBench() {
  const work = mkdtempSync(join(tmpdir(), 'bench-packet-'));
  try {
    const input = join(work, 'evidence');
    generate(input);
    const shellScript = `cd '${work}' && find evidence -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum > manifest.sha256 && tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf shell.tar evidence manifest.sha256`;
    const cleanup = () => rmSync(join(work, 'out.packet.tar'), { force: true });
    const results = {
      shell: measure('shell pipeline (sha256sum + reproducible tar)', ['bash', '-c', shellScript]),
      tar: measure('plain tar -cf', ['tar', '-cf', join(work, 'plain.tar'), '-C', work, 'evidence']),
      build: measure('packet build', [BIN, 'build', '--quiet', '--time', '2026-01-01T00:00:00Z', '--out', join(work, 'out.packet.tar'), input], { node: true, before: cleanup }),
    };
    results.verify = measure('packet verify (tar)', [BIN, 'verify', '--quiet', '--integrity-only', join(work, 'out.packet.tar')], { node: true });
    results.dgst = measure('openssl dgst -sha256 (same tar bytes)', ['openssl', 'dgst', '-sha256', join(work, 'out.packet.tar')]);
    return { work, results };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function generate(input) {
  mkdirSync(join(input, 'dumps'), { recursive: true });
  const chunk = Buffer.alloc(1 << 20);
  for (let i = 0; i < BIG_FILES; i += 1) {
    const fd = openSync(join(input, 'dumps', `volume-${i}.img`), 'w');
    for (let written = 0; written < BIG_BYTES; written += chunk.length) writeSync(fd, randomFillSync(chunk));
    closeSync(fd);
  }
  for (let i = 0; i < SMALL_FILES; i += 1) {
    const dir = join(input, 'logs', `host-${String(i % 50).padStart(2, '0')}`);
    if (i < 50) mkdirSync(dir, { recursive: true });
    const lines = [];
    for (let l = 0; l < 40; l += 1) lines.push(`2026-01-01T00:00:${String(l).padStart(2, '0')}Z step ${l} of change CHG-${i}: applied config revision ${(i * 7919 + l).toString(16)}`);
    if (i % 100 === 0) lines.push('connecting to postgres://migrator:s3cr3t-pw@db.internal:5432/app');
    writeFileSync(join(dir, `run-${i}.log`), `${lines.join('\n')}\n`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { results: r } = runPacketBench();
  const total = BIG_FILES * BIG_BYTES / 2 ** 20;
  console.log(`| measure (${total} MiB + ${SMALL_FILES} small files) | time | compared with | ratio | target | peak RSS |`);
  console.log('|---|---|---|---|---|---|');
  console.log(`| packet build | ${fmt(r.build.seconds)} | shell pipeline ${fmt(r.shell.seconds)} | ${ratio(r.shell.seconds, r.build.seconds)} faster | >= 4x faster | ${r.build.rssMiB} MiB |`);
  console.log(`| packet build | ${fmt(r.build.seconds)} | plain tar -cf ${fmt(r.tar.seconds)} | ${ratio(r.build.seconds, r.tar.seconds)} the time | <= 1.3x | |`);
  console.log(`| packet verify | ${fmt(r.verify.seconds)} | openssl dgst -sha256 ${fmt(r.dgst.seconds)} | ${ratio(r.verify.seconds, r.dgst.seconds)} the time | <= 1.0x | ${r.verify.rssMiB} MiB |`);
}
