import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

const CHUNK = 4 * 2 ** 20;

/** SHA-256 of `size` bytes of a file from `offset` (fewer if the file is shorter), with one read always ahead. */
export async function hashRange(path: string, offset: number, size: number): Promise<{ sha256: string; read: number }> {
  const handle = await open(path, 'r');
  try {
    const hash = createHash('sha256');
    const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
    let read = 0;
    let next = handle.read(buffers[0] as Buffer, 0, Math.min(CHUNK, size), offset);
    for (let turn = 0; read < size; turn += 1) {
      const { bytesRead } = await next;
      if (bytesRead === 0) break;
      const chunk = (buffers[turn % 2] as Buffer).subarray(0, bytesRead);
      read += bytesRead;
      // The next read is in flight while this chunk is hashed.
      if (read < size) next = handle.read(buffers[(turn + 1) % 2] as Buffer, 0, Math.min(CHUNK, size - read), offset + read);
      hash.update(chunk);
    }
    return { sha256: hash.digest('hex'), read };
  } finally {
    await handle.close();
  }
}
