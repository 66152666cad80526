import { open, type FileHandle } from 'node:fs/promises';

/** Reads are this big: large enough that hashing, not the per-read cost, sets the pace. */
export const READ_CHUNK = 4 * 2 ** 20;
/** Reads for a pass over headers that jumps over contents (and reads small files). */
export const HEADER_READ_CHUNK = 2 ** 20;

/**
 * Sequential reader over an open file with one read always in flight: while the caller hashes
 * one chunk, the thread pool fetches the next.
 *
 * With a ring of `ring` buffers (no allocation and no page faults per read), a chunk stays valid
 * until `ring - 2` further chunks have been asked for: a ring of 2 suits a caller that only
 * hashes each chunk before asking for the next; a ring of 4 one that also keeps one chunk in
 * flight to a writer. With no ring, every chunk is a fresh buffer that a caller may keep.
 */
export class ChunkReader {
  private buffer: Buffer = Buffer.alloc(0);
  private offset = 0;
  private position: number;
  private pending: Promise<Buffer> | undefined;
  private eof = false;

  private readonly spare: Buffer[] = [];

  constructor(
    private readonly handle: FileHandle,
    private readonly ring = 0,
    private readonly chunkSize = READ_CHUNK,
  ) {
    this.position = 0;
    for (let i = 0; i < ring; i += 1) this.spare.push(Buffer.allocUnsafe(chunkSize));
  }

  private fetch(): Promise<Buffer> {
    const target = this.spare.shift() ?? Buffer.allocUnsafe(this.chunkSize);
    const at = this.position;
    return this.handle.read(target, 0, this.chunkSize, at).then(({ bytesRead }) => target.subarray(0, bytesRead));
  }

  /** The file offset of the next byte `read`, `take` or `skip` would return. */
  tell(): number {
    return this.position - (this.buffer.length - this.offset);
  }

  /** Make unread bytes available; false at end of file. */
  private async fill(): Promise<boolean> {
    if (this.offset < this.buffer.length) return true;
    if (this.eof) return false;
    const next = this.pending ?? this.fetch();
    this.pending = undefined;
    const chunk = await next;
    if (this.ring > 0 && this.buffer.buffer.byteLength === this.chunkSize) this.spare.push(Buffer.from(this.buffer.buffer, 0, this.chunkSize));
    this.position += chunk.length;
    if (chunk.length === 0) {
      this.eof = true;
      return false;
    }
    this.buffer = chunk;
    this.offset = 0;
    this.pending = this.fetch();
    return true;
  }

  /**
   * Exactly `n` bytes (copied), or fewer at end of file. With `view`, bytes that lie in the
   * current chunk are returned as a view, valid only until the next call (for a header parsed
   * at once: no allocation per entry).
   */
  async read(n: number, view = false): Promise<Buffer> {
    if (view && this.buffer.length - this.offset >= n) {
      const chunk = this.buffer.subarray(this.offset, this.offset + n);
      this.offset += n;
      return chunk;
    }
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0 && (await this.fill())) {
      const take = Math.min(need, this.buffer.length - this.offset);
      // Copied now: the next fill may hand this buffer back to a read in flight.
      parts.push(Buffer.from(this.buffer.subarray(this.offset, this.offset + take)));
      this.offset += take;
      need -= take;
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }

  /** Up to `n` bytes as a sequence of chunks (views of fresh buffers); stops early at end of file. */
  async *take(n: number): AsyncGenerator<Buffer> {
    let need = n;
    while (need > 0 && (await this.fill())) {
      const take = Math.min(need, this.buffer.length - this.offset);
      const chunk = this.buffer.subarray(this.offset, this.offset + take);
      this.offset += take;
      need -= take;
      yield chunk;
    }
  }

  /**
   * Skip `n` bytes; returns how many were skipped (fewer at end of file). Beyond the buffered
   * chunk the reader jumps instead of reading, so content nobody looks at (an unlisted or
   * oversized entry) costs nothing, however large it claims to be.
   */
  async skip(n: number): Promise<number> {
    const buffered = Math.min(n, this.buffer.length - this.offset);
    this.offset += buffered;
    const rest = n - buffered;
    if (rest === 0 || this.eof) return buffered;
    if (rest < this.chunkSize) {
      let skipped = buffered;
      for await (const chunk of this.take(rest)) skipped += chunk.length;
      return skipped;
    }
    // The read in flight (at `position`, the end of the current chunk) lands first, then is dropped.
    await this.settle();
    const { size } = await this.handle.stat();
    const jump = Math.max(0, Math.min(rest, size - this.position));
    this.position += jump;
    this.buffer = Buffer.alloc(0);
    this.offset = 0;
    if (jump < rest) this.eof = true;
    return buffered + jump;
  }

  /** Wait for the read in flight, so the handle can be closed safely. */
  async settle(): Promise<void> {
    await this.pending?.catch(() => undefined);
    this.pending = undefined;
  }
}

/** All chunks of a file, with read-ahead (see ChunkReader for `ring`). */
export async function* fileChunks(path: string, ring = 0): AsyncGenerator<Buffer> {
  const handle = await open(path, 'r');
  const reader = new ChunkReader(handle, ring);
  try {
    yield* reader.take(Number.MAX_SAFE_INTEGER);
  } finally {
    await reader.settle();
    await handle.close();
  }
}
