import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChunkReader } from '../../src/packet/chunks.js';
import { makeTempDir } from '../helpers/cli.js';

const temp = makeTempDir();
afterAll(() => temp.cleanup());

describe('ChunkReader with recycled buffers', () => {
  it('read() across chunk boundaries returns the file bytes even while the next read recycles a buffer', async () => {
    const chunk = 1 << 16;
    const count = 64;
    const data = Buffer.alloc(chunk * count);
    for (let i = 0; i < count; i += 1) data.fill(i & 0xff, i * chunk, (i + 1) * chunk);
    const path = join(temp.path, 'pattern.bin');
    await writeFile(path, data);
    for (let trial = 0; trial < 5; trial += 1) {
      const handle = await open(path);
      const reader = new ChunkReader(handle, 2, chunk);
      let position = chunk / 2;
      expect((await reader.read(chunk / 2)).equals(data.subarray(0, chunk / 2))).toBe(true);
      for (;;) {
        // Every read spans two chunks, so its first part sits in a buffer the fill recycles.
        const bytes = await reader.read(chunk);
        if (bytes.length === 0) break;
        expect(bytes.equals(data.subarray(position, position + bytes.length))).toBe(true);
        position += bytes.length;
      }
      expect(position).toBe(data.length);
      await reader.settle();
      await handle.close();
    }
  });
});
