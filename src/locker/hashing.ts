import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import type { PutFileOptions } from './backend.js';

export interface ObjectDigest {
  sha256: string;
  size: number;
}

/**
 * A file's bytes as a stream that hashes what actually passes through it, so the digest recorded
 * for an upload is the digest of the bytes the store was sent, read once. With `complete`, the
 * stream does not end until the promise it returns (asked for once the last byte was read)
 * resolves, and fails if it rejects: an upload can run while the packet is still being verified,
 * and completes only once it passed and the file is unchanged (a multipart upload is invisible
 * until completed, and lib-storage aborts it when its body fails).
 */
export function hashingFileStream(file: string, options: PutFileOptions = {}): { stream: Readable; digest(): ObjectDigest } {
  const { onProgress, onChunk, complete } = options;
  const hash = createHash('sha256');
  let size = 0;
  let result: ObjectDigest | undefined;
  const source = createReadStream(file, { highWaterMark: 1024 * 1024 });
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      onChunk?.(chunk);
      size += chunk.length;
      onProgress?.(chunk.length);
      done(null, chunk);
    },
    flush(done) {
      if (complete === undefined) done();
      else complete().then(() => done(), (error: Error) => done(error));
    },
  });
  source.on('error', (error) => tap.destroy(error));
  // A refused completion may fail the stream before its consumer starts reading; the consumer still sees
  // the error (a destroyed stream's iterator throws it), so no listener is needed beyond this one.
  tap.on('error', () => undefined);
  source.pipe(tap);
  return {
    stream: tap,
    digest() {
      result ??= { sha256: hash.digest('hex'), size };
      return result;
    },
  };
}

export async function hashStream(stream: Readable): Promise<ObjectDigest> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}
