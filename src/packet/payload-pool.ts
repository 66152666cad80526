import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PacketError, type ErrorKind } from '../core/errors.js';
import type { RedactionRecord } from '../redact/index.js';
import type { InputFile } from './inputs.js';
import type { PayloadKind } from './payload.js';

/** One small file, prepared by a worker. */
export interface WirePrepared {
  ok: true;
  kind: PayloadKind;
  size: number;
  bytes: Uint8Array;
  sha256: string;
  records: RedactionRecord[];
  note?: string;
}

export interface WireError {
  ok: false;
  error: { packet: true; kind: ErrorKind; code: string; message: string; hint?: string; file?: string; line?: number } | { packet: false; message: string };
}

const WORKER_URL = new URL('./payload-worker.js', import.meta.url);
const WORKER_YOUNG_MB = 4;

/**
 * Worker threads that prepare small files (read, redact, canonicalize, hash) while the main
 * thread walks the inputs, streams large files and writes the tar. Results come back per batch
 * in the order asked, so the packet's bytes do not depend on which worker was faster.
 */
export class PayloadPool {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, { resolve: (results: (WirePrepared | WireError)[]) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  private failure: Error | undefined;

  private constructor(size: number, rulesFile: string | undefined, strict: boolean) {
    for (let i = 0; i < size; i += 1) {
      // A small young generation: a worker's garbage is short-lived (one batch), and each worker's
      // young generation would otherwise grow to tens of megabytes of resident memory.
      const worker = new Worker(WORKER_URL, { workerData: { rulesFile, strict }, execArgv: [], resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB } });
      worker.on('message', (message: { id: number; results: (WirePrepared | WireError)[] }) => {
        const waiter = this.waiting.get(message.id);
        this.waiting.delete(message.id);
        waiter?.resolve(message.results);
      });
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`a payload worker exited with code ${code}`));
      });
      this.workers.push(worker);
    }
  }

  /**
   * A pool as wide as the machine, or undefined where workers cannot help: one CPU, or a run from
   * source where the compiled worker is absent (tests of the library).
   */
  static start(rulesFile: string | undefined, strict: boolean): PayloadPool | undefined {
    const size = Math.min(availableParallelism(), 4);
    if (size < 2 || !existsSync(fileURLToPath(WORKER_URL))) return undefined;
    return new PayloadPool(size, rulesFile, strict);
  }

  /** Prepare `files` (all small) on the next worker in turn. */
  run(files: InputFile[]): Promise<(WirePrepared | WireError)[]> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId;
    this.nextId += 1;
    const worker = this.workers[id % this.workers.length] as Worker;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, files });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}

/** The error a worker reported, as the error the main thread would have thrown. */
export function fromWire(error: WireError['error']): Error {
  if (!error.packet) return new Error(error.message);
  return new PacketError(error.kind, error.code, error.message, {
    ...(error.hint === undefined ? {} : { hint: error.hint }),
    ...(error.file === undefined ? {} : { file: error.file }),
    ...(error.line === undefined ? {} : { line: error.line }),
  });
}
