import { TarDigester, type ContentDigests } from '../packet/tar-digests.js';

/**
 * Each tar entry's SHA-256, taken from a push's upload as its bytes are sent, for the verification
 * that runs alongside: it judges the very bytes sent, and the packet's contents are read and
 * hashed once instead of twice (a second read, with its buffers and a hashing thread, was about
 * 25 MiB of push's peak memory). The verification waits (`reach`) until the bytes of the entry
 * it is at have gone past; the bytes go at the upload's pace.
 */
export class StreamedTarDigests {
  private readonly digester = new TarDigester();
  private passed = 0;
  private ended = false;
  private waiting: { end: number; resolve: () => void }[] = [];

  get digests(): ContentDigests {
    return this.digester.digests;
  }

  update(chunk: Buffer): void {
    this.digester.update(chunk);
    this.passed += chunk.length;
    this.wake();
  }

  /** No more bytes will come (the upload ended or failed): nobody waits any longer. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  /** Resolves once the bytes before offset `end` have gone past, or once no more will. */
  reach(end: number): Promise<void> {
    if (this.ended || end <= this.passed) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push({ end, resolve }));
  }

  private wake(): void {
    if (this.waiting.length === 0) return;
    const still: { end: number; resolve: () => void }[] = [];
    for (const waiter of this.waiting) {
      if (this.ended || waiter.end <= this.passed) waiter.resolve();
      else still.push(waiter);
    }
    this.waiting = still;
  }
}
