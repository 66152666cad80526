import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { writevFully } from '../core/writev.js';

/** Chunks are gathered into writes of about this size (one writev, no copy). */
const BATCH_BYTES = 1024 * 1024;
/** Written data is flushed to disk in the background every this many bytes. */
const FLUSH_EVERY_BYTES = 64 * 1024 * 1024;

/**
 * Write a stream's bytes to an open file (a FileHandle's own write stream would hold it open).
 * One batch is written while the next arrives and, given the file's path, what is written is
 * flushed to disk (fdatasync) in the background as it goes, so that the caller's final fsync,
 * which must come before the file is put in place, does not write a whole large object at the end.
 */
export async function writeAll(stream: Readable | AsyncIterable<Buffer>, handle: FileHandle, options: WriteOptions = {}): Promise<number> {
  const { onChunk, path } = options;
  // Flushed through a handle of its own (opened at the first flush: nothing is awaited before the
  // stream is read): closing `handle` (an interrupted command removing its temporary file) waits
  // for the operations pending on it, and must not wait for a flush.
  let flusher: FileHandle | undefined;
  let total = 0;
  let batch: Buffer[] = [];
  let batched = 0;
  let writing: Promise<void> = Promise.resolve();
  let flushing: Promise<void> | undefined;
  let unflushed = 0;
  const write = async (buffers: Buffer[], bytes: number): Promise<void> => {
    await writevFully(handle, buffers);
    unflushed += bytes;
    if (path !== undefined && unflushed >= FLUSH_EVERY_BYTES && flushing === undefined) {
      unflushed = 0;
      flushing = (async () => {
        flusher ??= await open(path, 'r');
        await flusher.datasync();
      })().finally(() => {
        flushing = undefined;
      });
      // Awaited below, or failing the final sync; never an unhandled rejection.
      flushing.catch(() => undefined);
    }
  };
  try {
    for await (const chunk of stream) {
      const bytes = chunk as Buffer;
      onChunk?.(bytes);
      batch.push(bytes);
      batched += bytes.length;
      total += bytes.length;
      if (batched >= BATCH_BYTES) {
        await writing;
        writing = write(batch, batched);
        // Awaited before the next write or at the end; a failure meanwhile is not unhandled.
        writing.catch(() => undefined);
        batch = [];
        batched = 0;
      }
    }
    await writing;
    if (batch.length > 0) await write(batch, batched);
    await flushing;
    return total;
  } finally {
    // On failure too: nothing may still be writing when the caller closes the file.
    await writing.catch(() => undefined);
    await flushing?.catch(() => undefined);
    await flusher?.close();
  }
}

export interface WriteOptions {
  /** Sees each chunk before it is written (to hash it); an exception stops the copy. */
  onChunk?: (chunk: Buffer) => void;
  /** The file's path: given, what is written is flushed to disk as it goes. */
  path?: string;
}
