import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const WORKER_URL = new URL('./hash-worker.js', import.meta.url);

/** Entries at least this large are worth handing to the other core. */
export const PARALLEL_HASH_MIN = 64 * 2 ** 20;

/**
 * A worker thread that hashes byte ranges of files, so that verifying a packet of large files
 * keeps two cores busy: SHA-256 of one file cannot be split, but two files can be hashed at once.
 */
export class RangeHasher {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (r: { sha256: string; read: number }) => void; reject: (e: Error) => void }>();
  private nextId = 0;

  private constructor() {
    // No execArgv: flags of the parent (--input-type, say) may not apply to a worker file.
    this.worker = new Worker(WORKER_URL, { execArgv: [] });
    this.worker.on('message', (message: { id: number; sha256?: string; read?: number; error?: string }) => {
      const waiter = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      if (message.error !== undefined || message.sha256 === undefined) waiter?.reject(new Error(message.error ?? 'no digest'));
      else waiter?.resolve({ sha256: message.sha256, read: message.read ?? 0 });
    });
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', () => this.failAll(new Error('the hash worker stopped')));
  }

  /** Undefined on one CPU, or when run from source (no compiled worker). */
  static start(): RangeHasher | undefined {
    if (availableParallelism() < 2 || !existsSync(fileURLToPath(WORKER_URL))) return undefined;
    return new RangeHasher();
  }

  hash(path: string, offset: number, size: number): Promise<{ sha256: string; read: number }> {
    const id = this.nextId;
    this.nextId += 1;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, path, offset, size });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private failAll(error: Error): void {
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}
