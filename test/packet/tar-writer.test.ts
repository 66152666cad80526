import { execFileSync } from 'node:child_process';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeHeaders, TarWriter } from '../../src/packet/tar-writer.js';
import { readTar } from '../../src/packet/tar-reader.js';
import { makeTempDir } from '../helpers/cli.js';

const temp = makeTempDir();
afterAll(() => temp.cleanup());
const mtime = new Date('2026-01-01T00:00:00Z');

async function writeTar(name: string, files: { path: string; content: Buffer; streamed?: boolean }[]): Promise<string> {
  const path = join(temp.path, name);
  const handle = await open(path, 'w');
  const writer = new TarWriter(handle);
  for (const file of files) {
    const content = file.streamed === true ? (async function* () { yield file.content.subarray(0, 3); yield file.content.subarray(3); })() : file.content;
    await writer.add({ path: file.path, size: file.content.length, mode: 0o644, mtime }, content, () => new Error('size'));
  }
  await writer.finish();
  await handle.close();
  return path;
}

describe('TarWriter', () => {
  it('writes ustar, ustar with a prefix, and pax entries that GNU tar and the strict reader read back', async () => {
    const files = [
      { path: 'payload/a.txt', content: Buffer.from('alpha\n') },
      { path: `payload/${'d'.repeat(120)}/${'f'.repeat(90)}.txt`, content: Buffer.from('prefix\n'), streamed: true },
      { path: 'payload/résumé-ünïcödé.txt', content: Buffer.from('pax\n') },
      { path: `payload/${'x'.repeat(300)}`, content: Buffer.alloc(0) },
    ];
    const tar = await writeTar('a.tar', files);
    const listed = execFileSync('tar', ['-tf', tar], { encoding: 'utf8' }).trim().split('\n');
    expect(listed).toEqual(files.map((f) => f.path));
    const read: { path: string; content: string }[] = [];
    for await (const entry of readTar(tar)) {
      const parts: Buffer[] = [];
      for await (const chunk of entry.content) parts.push(Buffer.from(chunk));
      read.push({ path: entry.path, content: Buffer.concat(parts).toString() });
    }
    expect(read).toEqual(files.map((f) => ({ path: f.path, content: f.content.toString() })));
  });

  it('refuses content that is shorter or longer than declared', async () => {
    const handle = await open(join(temp.path, 'bad.tar'), 'w');
    const writer = new TarWriter(handle);
    await expect(writer.add({ path: 'a', size: 5, mode: 0o644, mtime }, Buffer.from('abc'), () => new Error('FILE_CHANGED'))).rejects.toThrow('FILE_CHANGED');
    await expect(
      writer.add({ path: 'b', size: 2, mode: 0o644, mtime }, (async function* () { yield Buffer.from('abc'); })(), () => new Error('FILE_CHANGED')),
    ).rejects.toThrow('FILE_CHANGED');
    await handle.close();
  });

  it('pax record lengths count themselves, also across a digit boundary', () => {
    // " path=" + name + "\n" of 93..99 bytes makes the record length cross from 2 to 3 digits.
    for (let n = 80; n < 110; n += 1) {
      const header = encodeHeaders({ path: `é${'y'.repeat(n)}`, size: 1, mode: 0o644, mtime });
      const body = Buffer.from(header.subarray(512, 1024)).toString('utf8').replace(/\0+$/, '');
      const [length] = body.split(' ');
      expect(Buffer.byteLength(body)).toBe(Number(length));
    }
  });

  it('carries sizes of 8 GiB and more in a pax size record', async () => {
    const size = 9 * 2 ** 30;
    const header = Buffer.from(encodeHeaders({ path: 'payload/big.img', size, mode: 0o644, mtime }));
    expect(header.subarray(512, 1024).toString('utf8')).toContain(` size=${size}\n`);
    const path = join(temp.path, 'huge-header.tar');
    await writeFile(path, header);
    const sizes: number[] = [];
    await expect(
      (async () => {
        for await (const entry of readTar(path)) sizes.push(entry.size);
      })(),
    ).rejects.toMatchObject({ code: 'TAR_TRUNCATED' });
    expect(sizes).toEqual([size]);
  });
});
