/**
 * Digests taken while a packet's bytes stream in (a locker pull) stand in for a second read of its
 * contents: the stream parser must find every entry's bytes however the stream is cut, and the
 * reader must judge by those digests only where one covers exactly the entry in the file.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPacket } from '../../src/packet/build.js';
import { readPacket } from '../../src/packet/reader.js';
import { ContentDigests, TarDigester } from '../../src/packet/tar-digests.js';
import { makeTempDir } from '../helpers/cli.js';
import { fileEntryDigests, type EntryDigest } from '../helpers/entry-digests.js';

const temp = makeTempDir('tar-digests-');
let packet: string;
let bytes: Buffer;
/** Every regular file entry of the packet: where its content starts, its size and its SHA-256. */
let files: EntryDigest[];

beforeAll(async () => {
  const input = join(temp.path, 'input');
  // A name over 100 bytes needs a pax header; a 3 MiB file spans many stream chunks.
  const deep = join(input, 'a'.repeat(60), 'b'.repeat(60));
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(deep, 'long-name.txt'), 'a long path\n');
  writeFileSync(join(input, 'disk.img'), randomBytes(3 * 1024 * 1024 + 17));
  writeFileSync(join(input, 'empty.txt'), '');
  packet = join(temp.path, 'p.packet.tar');
  await buildPacket({ inputs: [input], out: packet, name: 'DIGESTS', created: new Date('2026-03-01T10:00:00Z'), cwd: temp.path });
  bytes = readFileSync(packet);
  files = await fileEntryDigests(packet);
});
afterAll(() => temp.cleanup());

function streamed(chunkSizes: number[]): TarDigester {
  const digester = new TarDigester();
  let at = 0;
  for (let i = 0; at < bytes.length; i += 1) {
    const size = chunkSizes[i % chunkSizes.length] as number;
    digester.update(bytes.subarray(at, at + size));
    at += size;
  }
  return digester;
}

describe('TarDigester', () => {
  it.each([
    ['whole', [Number.MAX_SAFE_INTEGER]],
    ['one byte at a time for a while', [1, 1, 1, 511, 513, 1, 65536]],
    ['odd sizes', [7, 1000, 4097, 300_001]],
    ['block sized', [512]],
  ])('records every file entry of the packet, cut %s', (_name, sizes) => {
    const digester = streamed(sizes);
    expect(files.some((file) => file.path.length > 100)).toBe(true);
    expect(digester.digests.length).toBe(files.length);
    for (const file of files) expect(digester.digests.lookup(file.offset, file.size), file.path).toBe(file.sha256);
  });

  it('answers only for the exact range it recorded', () => {
    const digests = streamed([65536]).digests;
    const big = files.find((file) => file.path.endsWith('disk.img')) as (typeof files)[number];
    expect(digests.lookup(big.offset, big.size - 1)).toBeUndefined();
    expect(digests.lookup(big.offset + 512, big.size)).toBeUndefined();
  });

  it('never throws on bytes that are not a tar, and records nothing from them', () => {
    const digester = new TarDigester();
    for (let i = 0; i < 64; i += 1) digester.update(randomBytes(4096));
    expect(digester.digests.length).toBe(0);
  });

  it('stops recording where the tar breaks, keeping what came before', () => {
    const broken = Buffer.from(bytes);
    const last = files[files.length - 1] as (typeof files)[number];
    broken.fill(0x41, last.offset - 512, last.offset); // the last entry's header
    const digester = new TarDigester();
    digester.update(broken);
    expect(digester.digests.length).toBe(files.length - 1);
    expect(digester.digests.lookup(last.offset, last.size)).toBeUndefined();
  });
});

describe('readPacket with streamed digests', () => {
  it('gives the same report as reading the file', async () => {
    const plain = await readPacket(packet);
    const withDigests = await readPacket(packet, { contentDigests: streamed([65536]).digests });
    expect(plain.intact).toBe(true);
    expect(withDigests.intact).toBe(true);
    expect(withDigests.digest).toBe(plain.digest);
    expect(withDigests.checks).toEqual(plain.checks);
  });

  it('judges an entry by its streamed digest, not by a second read of the file', async () => {
    const forged = new ContentDigests();
    const big = files.find((file) => file.path.endsWith('disk.img')) as (typeof files)[number];
    forged.record(big.offset, big.size, Buffer.alloc(32));
    const reading = await readPacket(packet, { contentDigests: forged });
    expect(reading.intact).toBe(false);
    expect(reading.checks.filter((check) => check.code === 'FILE_MODIFIED').map((check) => check.subject)).toEqual([big.path]);
  });

  it('reads the entry itself where no streamed digest covers exactly its bytes', async () => {
    const offByOne = new ContentDigests();
    const big = files.find((file) => file.path.endsWith('disk.img')) as (typeof files)[number];
    offByOne.record(big.offset, big.size + 1, Buffer.alloc(32));
    expect((await readPacket(packet, { contentDigests: offByOne })).intact).toBe(true);
  });

  it('reports a payload changed in the stream as modified', async () => {
    const big = files.find((file) => file.path.endsWith('disk.img')) as (typeof files)[number];
    const changed = Buffer.from(bytes);
    changed[big.offset + 2_000_000] = (changed[big.offset + 2_000_000] as number) ^ 1;
    const tampered = join(temp.path, 'tampered.packet.tar');
    writeFileSync(tampered, changed);
    const digester = new TarDigester();
    for (let at = 0; at < changed.length; at += 65536) digester.update(changed.subarray(at, at + 65536));
    const reading = await readPacket(tampered, { contentDigests: digester.digests });
    expect(reading.intact).toBe(false);
    expect(reading.checks.find((check) => check.code === 'FILE_MODIFIED')?.subject).toBe(big.path);
  });
});

describe('ContentDigests', () => {
  it('refuses ranges out of order and grows past its first capacity', () => {
    const digests = new ContentDigests();
    for (let i = 0; i < 200; i += 1) expect(digests.record(i * 1024, 10, Buffer.alloc(32, i))).toBe(true);
    expect(digests.record(5, 10, Buffer.alloc(32))).toBe(false);
    expect(digests.lookup(150 * 1024, 10)).toBe(Buffer.alloc(32, 150).toString('hex'));
    expect(digests.length).toBe(200);
  });
});
