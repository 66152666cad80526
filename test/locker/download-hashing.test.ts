/**
 * downloadHashed: the copy under pull, which hashes the whole object and each tar entry in a
 * worker thread (the compiled one from dist/, as the CLI runs it) or, without one, inline (these
 * sources). Both must give the same digests however the download is cut, across many turns of the
 * worker's ring of slots, and a refusal mid-way must end the copy with that error.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPacket } from '../../src/packet/build.js';
import { ContentDigests } from '../../src/packet/tar-digests.js';
import * as fromSources from '../../src/locker/download-hashing.js';
import { makeTempDir } from '../helpers/cli.js';
import { fileEntryDigests, type EntryDigest } from '../helpers/entry-digests.js';

const temp = makeTempDir('locker-download-');
let bytes: Buffer;
let files: EntryDigest[];
type Implementation = typeof fromSources;
let compiled: Implementation;

beforeAll(async () => {
  // The CLI tests build dist/ first; the worker exists only there.
  compiled = (await import(join(process.cwd(), 'dist/locker/download-hashing.js'))) as Implementation;
  const input = join(temp.path, 'input');
  mkdirSync(input);
  // Larger than the ring (32 slots of 1 MiB), so slots are reused.
  writeFileSync(join(input, 'disk.img'), randomBytes(70 * 1024 * 1024 + 333));
  writeFileSync(join(input, 'notes.txt'), 'a small file after a large one\n');
  const packet = join(temp.path, 'p.packet.tar');
  await buildPacket({ inputs: [input], out: packet, name: 'DOWNLOAD', created: new Date('2026-03-01T10:00:00Z'), cwd: temp.path });
  bytes = readFileSync(packet);
  files = await fileEntryDigests(packet);
});
afterAll(() => temp.cleanup());

/** The packet's bytes in chunks of uneven sizes, as a network delivers them. */
function download(): Readable {
  const sizes = [65536, 1, 700_001, 16_384, 1_048_576, 3, 2_000_000];
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i += 1) {
    const size = sizes[i % sizes.length] as number;
    chunks.push(Buffer.from(bytes.subarray(at, at + size)));
    at += size;
  }
  return Readable.from(chunks, { objectMode: false });
}

describe.each([
  ['in a worker (compiled)', () => compiled],
  ['inline (sources, no worker)', () => fromSources],
])('downloadHashed %s', (_name, implementation) => {
  it('writes every byte and gives the whole digest and every entry digest', async () => {
    const path = join(temp.path, `out-${randomBytes(4).toString('hex')}`);
    const handle = await open(path, 'w');
    let seen = 0;
    try {
      const result = await implementation().downloadHashed(download(), handle, { path, onChunk: (chunk) => (seen += chunk.length) });
      expect(result.object).toEqual({ sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length });
      expect(seen).toBe(bytes.length);
      expect(result.entries.length).toBe(files.length);
      for (const file of files) expect(result.entries.lookup(file.offset, file.size)).toBe(file.sha256);
    } finally {
      await handle.close();
    }
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  it('ends with the error a chunk callback throws, part-way through', async () => {
    const path = join(temp.path, `out-${randomBytes(4).toString('hex')}`);
    const handle = await open(path, 'w');
    let seen = 0;
    const refuse = (chunk: Buffer): void => {
      seen += chunk.length;
      if (seen > 12 * 1024 * 1024) throw new Error('too many bytes');
    };
    try {
      await expect(implementation().downloadHashed(download(), handle, { path, onChunk: refuse })).rejects.toThrow('too many bytes');
    } finally {
      await handle.close();
    }
  });
});

describe('ContentDigests between threads', () => {
  it('comes back from toShared/fromShared with the same ranges, and records no range out of order', () => {
    const digests = new ContentDigests();
    const digest = (n: number) => createHash('sha256').update(String(n)).digest();
    for (let i = 0; i < 100; i += 1) digests.record(512 + i * 2048, 1000 + i, digest(i));
    const back = ContentDigests.fromShared(digests.toShared());
    expect(back.length).toBe(100);
    for (let i = 0; i < 100; i += 1) expect(back.lookup(512 + i * 2048, 1000 + i)).toBe(digest(i).toString('hex'));
    const shared = digests.toShared();
    shared.offsets[50] = 0;
    expect(ContentDigests.fromShared(shared).length).toBe(50);
  });
});
