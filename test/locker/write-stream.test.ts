/**
 * writeAll: the copy under pull and folder push. Batched writes keep every byte in order; a
 * refusal from the chunk callback or a failing write ends the copy with that error (never an
 * unhandled rejection, which would crash an interrupted command instead of letting it exit 130).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { writeAll } from '../../src/locker/write-stream.js';
import { makeTempDir } from '../helpers/cli.js';

const temp = makeTempDir('locker-write-');
afterAll(() => temp.cleanup());

/** 3 MiB and a bit, in chunks of uneven sizes (as a network delivers them). */
function chunks(): Buffer[] {
  const sizes = [1, 65536, 700_000, 3, 1_048_576, 12_345, 1_300_000, 17];
  return sizes.map((size) => randomBytes(size));
}

describe('writeAll', () => {
  it('writes every byte in order, across batches, and flushes as it goes', async () => {
    const parts = chunks();
    const path = join(temp.path, 'whole');
    const handle = await open(path, 'w');
    const seen: number[] = [];
    try {
      const total = await writeAll(Readable.from(parts), handle, { path, onChunk: (chunk) => seen.push(chunk.length) });
      expect(total).toBe(parts.reduce((sum, part) => sum + part.length, 0));
    } finally {
      await handle.close();
    }
    expect(readFileSync(path).equals(Buffer.concat(parts))).toBe(true);
    expect(seen).toEqual(parts.map((part) => part.length));
  });

  it('stops at the error the chunk callback throws, and stops reading', async () => {
    const source = Readable.from(chunks());
    const handle = await open(join(temp.path, 'refused'), 'w');
    let calls = 0;
    try {
      await expect(
        writeAll(source, handle, {
          onChunk: () => {
            calls += 1;
            if (calls === 4) throw new Error('refused at the fourth chunk');
          },
        }),
      ).rejects.toThrow('refused at the fourth chunk');
    } finally {
      await handle.close();
    }
    expect(calls).toBe(4);
    expect(source.destroyed).toBe(true);
  });

  it('ends with the write error when the file is closed under it (an interrupted command)', async () => {
    const path = join(temp.path, 'closed');
    const handle = await open(path, 'w');
    let closing: Promise<void> | undefined;
    const source = Readable.from(
      (async function* () {
        for (const [i, part] of chunks().entries()) {
          if (i === 3) closing = handle.close();
          // The network's pace: the failed write settles while the copy waits for data.
          if (i > 3) await new Promise((resolve) => setTimeout(resolve, 20));
          yield part;
        }
      })(),
    );
    await expect(writeAll(source, handle, { path })).rejects.toMatchObject({ code: 'EBADF' });
    await closing;
  });
});
