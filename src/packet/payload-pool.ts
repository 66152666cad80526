import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PreparedBatch } from './small-batch.js';
import type { PackedBatch } from './walk-source.js';

const WORKER_URL = new URL('./payload-worker.js', import.meta.url);
const WORKER_YOUNG_MB = 4;

interface PoolWorker {
  worker: Worker;
  /** Batches given to it and not yet answered. */
  busy: number;
}

/**
 * Worker threads that prepare small files (read, redact, canonicalize, hash, format as tar
 * entries) while the main thread walks the inputs, streams large files and writes the tar.
 * Results come back per batch and are written in the order asked, so the packet's bytes do not
 * depend on which worker was faster.
 */
export class PayloadPool {
  private readonly workers: PoolWorker[] = [];
  private readonly waiting = new Map<number, { resolve: (batch: PreparedBatch) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  private failure: Error | undefined;

  private constructor(size: number, settings: PoolSettings) {
    for (let i = 0; i < size; i += 1) {
      // A small young generation: a worker's garbage is short-lived (one batch), and each worker's
      // young generation would otherwise grow to tens of megabytes of resident memory.
      const worker = new Worker(WORKER_URL, {
        workerData: { ...settings, mtime: settings.mtime.getTime() },
        execArgv: [],
        resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
      });
      const entry: PoolWorker = { worker, busy: 0 };
      worker.on('message', (message: { id: number; batch: PreparedBatch }) => {
        const waiter = this.waiting.get(message.id);
        this.waiting.delete(message.id);
        entry.busy -= 1;
        waiter?.resolve(message.batch);
      });
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`a payload worker exited with code ${code}`));
      });
      this.workers.push(entry);
    }
  }

  /**
   * A pool as wide as the machine, or undefined where workers cannot help: one CPU, or a run from
   * source where the compiled worker is absent (tests of the library).
   */
  static start(settings: PoolSettings): PayloadPool | undefined {
    const size = Math.min(availableParallelism(), 4);
    if (size < 2 || !existsSync(fileURLToPath(WORKER_URL))) return undefined;
    return new PayloadPool(size, settings);
  }

  /** Prepare a batch on the worker with the fewest batches waiting (its bytes, and `reuse`, memory of a batch written, move to the worker). */
  run(packed: PackedBatch, reuse: ArrayBuffer | undefined, withPaths: boolean): Promise<PreparedBatch> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId;
    this.nextId += 1;
    let by = this.workers[0] as PoolWorker;
    for (const entry of this.workers) if (entry.busy < by.busy) by = entry;
    by.busy += 1;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      const transfer = [packed.bytes.buffer as ArrayBuffer, ...(reuse === undefined ? [] : [reuse])];
      by.worker.postMessage({ id, packed: packed.bytes, reuse, withPaths }, transfer);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((entry) => entry.worker.terminate()));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}

export interface PoolSettings {
  /** The rules file's path and text as the main thread read it (RuleSet.file). */
  rulesFile: { path: string; text: string } | undefined;
  strict: boolean;
  /** The tar headers' fixed fields. */
  mode: number;
  mtime: Date;
}
