import { closeSync, cpSync, openSync, readFileSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, readPacket, type PacketReading } from '../../src/packet/index.js';
import { MAX_LISTED_PER_CODE } from '../../src/packet/reader.js';
import { encodeHeaders } from '../../src/packet/tar-writer.js';
import { makeTempDir, runBin } from '../helpers/cli.js';
import { build, writeEvidence } from '../packet/fixtures.js';

/**
 * Scale and wasted work in the reader: the documented entry limit (1,010,000: a million payload files and room for the rest) holds with every entry
 * failing (no stack overflow from spreading a long list, failures counted past the first 1,000 of
 * a code), and an unlisted or oversized entry is rejected without its content being read,
 * however large it claims to be (the bytes hashed are observed through onProgress).
 */

const temp = makeTempDir('packet-entry-scale-');
let folder: string;
let tar: string;
beforeAll(async () => {
  writeEvidence(temp.path);
  folder = join(temp.path, 'unpacked');
  await build(temp.path, `${folder}/`, ['evidence']);
  tar = join(temp.path, 'p.packet.tar');
  await build(temp.path, tar, ['evidence']);
}, 60_000);
afterAll(() => temp.cleanup());

const codes = (reading: PacketReading): string[] => reading.checks.filter((c) => c.status === 'fail').map((c) => c.code as string);

async function hashedBytes(path: string, limits = DEFAULT_LIMITS): Promise<{ reading: PacketReading; bytes: number }> {
  let bytes = 0;
  const reading = await readPacket(path, { limits, onProgress: (n) => (bytes += n) });
  return { reading, bytes };
}

/** The tar of `tar` without its end marker (two zero blocks and the padding after them). */
function tarBody(): Buffer {
  const bytes = readFileSync(tar);
  let end = bytes.length;
  while (end >= 512 && bytes.subarray(end - 512, end).every((b) => b === 0)) end -= 512;
  return bytes.subarray(0, end);
}

const header = (path: string, size: number): Uint8Array => encodeHeaders({ path, size, mode: 0o644, mtime: new Date(0) });

describe('unlisted and oversized entries are rejected unread', () => {
  it('an unlisted 8 GiB sparse file in the folder form', async () => {
    const dir = join(temp.path, 'sparse-folder');
    cpSync(folder, dir, { recursive: true });
    const huge = join(dir, 'payload', 'evidence', 'disk.img');
    writeFileSync(huge, '');
    truncateSync(huge, 8 * 2 ** 30);
    const clean = await hashedBytes(folder);
    const { reading, bytes } = await hashedBytes(dir);
    expect(codes(reading)).toEqual(['FILE_UNLISTED']);
    expect(bytes).toBe(clean.bytes); // the listed files only
    expect(bytes).toBeLessThan(2 ** 20);
  });

  it('an unlisted 8 GiB entry in the tar form (a sparse tar)', async () => {
    const file = join(temp.path, 'sparse.tar');
    const body = tarBody();
    const fd = openSync(file, 'w');
    writeSync(fd, body);
    const entryHeader = header('payload/evidence/disk.img', 8 * 2 ** 30); // a pax size record, then ustar
    writeSync(fd, entryHeader);
    closeSync(fd);
    const dataEnd = body.length + entryHeader.byteLength + 8 * 2 ** 30;
    truncateSync(file, dataEnd + 1024); // the entry's data and the end marker: a hole of zeros
    const clean = await hashedBytes(tar);
    const { reading, bytes } = await hashedBytes(file);
    expect(codes(reading)).toEqual(['FILE_UNLISTED']);
    expect(bytes).toBe(clean.bytes);
  });

  it('an entry over the size limit, in both forms', async () => {
    const limits = { ...DEFAULT_LIMITS, maxEntryBytes: 100 };
    for (const path of [folder, tar]) {
      const { reading, bytes } = await hashedBytes(path, limits);
      expect(codes(reading)).toContain('ENTRY_TOO_LARGE');
      expect(bytes).toBeLessThan(20_000); // packet.json, VERIFY.md and the small logs, never the big one
    }
  });
});

describe('the entry limit', () => {
  it('holds with every entry failing: no crash, failures counted, TOO_MANY_ENTRIES one entry past it', () => {
    const file = join(temp.path, 'million.tar');
    const body = tarBody();
    const have = countEntries();
    const fd = openSync(file, 'w');
    writeSync(fd, body);
    const names = manyHeaders(DEFAULT_LIMITS.maxEntries + 1 - have);
    for (const block of names) writeSync(fd, block);
    writeSync(fd, new Uint8Array(1024));
    closeSync(fd);

    // Through the CLI: a clean failure with a bounded report, never an internal error.
    const run = runBin(['verify', '--quiet', '--integrity-only', '--format', 'json', file]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { checks: { status: string; code: string; data?: { more?: number } }[] };
    const failed = report.checks.filter((c) => c.status === 'fail');
    expect(failed.map((c) => c.code)).toContain('TOO_MANY_ENTRIES');
    const unlisted = failed.filter((c) => c.code === 'FILE_UNLISTED');
    expect(unlisted.length).toBe(MAX_LISTED_PER_CODE + 1);
    expect(unlisted.at(-1)?.data?.more).toBe(DEFAULT_LIMITS.maxEntries - have - MAX_LISTED_PER_CODE);
    expect(failed.length).toBeLessThan(MAX_LISTED_PER_CODE + 10);
  }, 300_000);
});

function countEntries(): number {
  return readFileSync(join(folder, 'manifest.sha256'), 'utf8').trim().split('\n').length + 1;
}

/** `count` headers of empty files payload/extra/NNNNNNN, in batches of 10,000 (a template with the name and checksum patched). */
function manyHeaders(count: number): Buffer[] {
  const template = Buffer.from(header('payload/extra/0000000', 0));
  const nameAt = 'payload/extra/'.length;
  let base = 0;
  for (let i = 0; i < 512; i += 1) base += i >= 148 && i < 156 ? 0x20 : (template[i] as number);
  base -= 7 * 0x30;
  const batches: Buffer[] = [];
  for (let start = 0; start < count; start += 10_000) {
    const n = Math.min(10_000, count - start);
    const batch = Buffer.alloc(n * 512);
    for (let j = 0; j < n; j += 1) {
      const block = batch.subarray(j * 512, (j + 1) * 512);
      template.copy(block);
      const name = String(start + j).padStart(7, '0');
      block.write(name, nameAt, 'latin1');
      let sum = base;
      for (let k = 0; k < 7; k += 1) sum += name.charCodeAt(k);
      block.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'latin1');
    }
    batches.push(batch);
  }
  return batches;
}
