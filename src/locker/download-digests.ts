import { createHash } from 'node:crypto';
import { TarDigester } from '../packet/tar-digests.js';
import type { ObjectDigest } from './hashing.js';

/**
 * The two SHA-256s a pull takes of the bytes it receives: the whole object's and, through
 * TarDigester, each tar entry's content. Fed in order, in this thread or in the hashing worker
 * (download-hashing.ts), so both take them the same way.
 */
export class DownloadDigests {
  private readonly hash = createHash('sha256');
  readonly entries = new TarDigester();
  private size = 0;

  update(chunk: Buffer): void {
    this.hash.update(chunk);
    this.entries.update(chunk);
    this.size += chunk.length;
  }

  /** The whole object's digest and size; call once, after the last chunk. */
  object(): ObjectDigest {
    return { sha256: this.hash.digest('hex'), size: this.size };
  }
}
