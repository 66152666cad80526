import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { loadContractFileSync, makeSource, type LoadResult, type ParseOptions, type SourceProblem } from './source.js';

/** Below this many files everything stays in this thread: a worker's start would cost more than it saves. */
export const LOAD_THREAD_THRESHOLD = 1000;
/**
 * The worker is used by default only with more CPUs than this. On 2 CPUs V8's background compiler
 * and collector already keep the second core busy: there the worker measured no faster (5,000
 * contracts, nine alternating runs on an idle machine: 1.44 s against 1.38 s and 1.44 s against
 * 1.43 s, docs/benchmarks.md) for about 10% more CPU. With more cores it should gain; that is not
 * measured here (this machine has two).
 */
export const LOAD_THREAD_MIN_CPUS = 3;
/** Files the worker sends back per message. */
const BATCH = 64;

const WORKER_URL = new URL('./load-worker.js', import.meta.url);

/** What the loader works on: the files, in order, and how to read and parse them. */
export interface LoadSetup {
  files: readonly string[];
  maxBytes: number;
  parse: ParseOptions;
}

/** One file as the worker sends it: plain, structured-clonable data. */
export type WireLoaded = { ok: true; text: string; value: unknown } | { ok: false; problem: SourceProblem };
/** Messages from the worker: the next files in order, then `done`. */
export type FromLoadWorker = { type: 'loaded'; files: WireLoaded[] } | { type: 'done' };

/**
 * Reads and parses the contract files of a run, in file order. On a large set with CPUs to spare
 * (LOAD_THREAD_MIN_CPUS) a worker thread does it from the first file on, ahead of this thread,
 * which checks schemas and scans texts for what has arrived; whenever it would wait, this thread loads files itself from
 * the last one backwards. Each file is claimed once, by whichever thread sets its flag in a shared
 * array first: the two meet somewhere in the middle. The worker runs the same function on the same
 * bytes, so the results are those of loading here; if it fails for any reason, the files it has
 * not sent are loaded here.
 */
export class ContractLoader {
  private worker: Worker | undefined;
  private readonly received: WireLoaded[] = [];
  private wake: (() => void) | undefined;
  /** One flag per file, set (0 to 1) by the thread that loads it. */
  private claims: Int32Array | undefined;
  /** The next file this thread may claim from the back; -1 once it met the worker. */
  private back: number;
  private readonly loadedHere = new Map<number, LoadResult>();

  /** `thread`: true asks for the worker, false forbids it; by default it is used for a large set with CPUs to spare. */
  constructor(
    private readonly setup: LoadSetup,
    thread?: boolean,
  ) {
    this.back = setup.files.length - 1;
    const wanted = thread ?? (setup.files.length >= LOAD_THREAD_THRESHOLD && availableParallelism() >= LOAD_THREAD_MIN_CPUS);
    if (wanted && existsSync(fileURLToPath(WORKER_URL))) this.startWorker();
  }

  /** Whether a worker is loading (for tests). */
  get threaded(): boolean {
    return this.worker !== undefined;
  }

  /** File `index`, when it is ready without waiting (always, without a worker); undefined when the worker has yet to send it. */
  take(index: number): LoadResult | undefined {
    const wire = this.received[index];
    if (wire !== undefined) return wire.ok ? { ok: true, source: makeSource(this.setup.files[index]!, wire.text, wire.value, this.setup.parse.yamlVersion) } : wire;
    const here = this.loadedHere.get(index);
    if (here !== undefined) {
      this.loadedHere.delete(index);
      return here;
    }
    if (this.worker !== undefined) return undefined;
    return this.loadHere(index);
  }

  /** File `index`, waiting for the worker as long as it is at work. */
  async load(index: number): Promise<LoadResult> {
    for (;;) {
      const loaded = this.take(index);
      if (loaded !== undefined) return loaded;
      if (this.claimFromBack()) {
        // Let the worker's messages in before looking again.
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Load the last file nobody has claimed yet, here; false once the worker holds the rest. */
  private claimFromBack(): boolean {
    if (this.claims === undefined || this.back < 0) return false;
    const index = this.back;
    if (Atomics.compareExchange(this.claims, index, 0, 1) !== 0) {
      this.back = -1;
      return false;
    }
    this.back -= 1;
    this.loadedHere.set(index, this.loadHere(index));
    return true;
  }

  private loadHere(index: number): LoadResult {
    return loadContractFileSync(this.setup.files[index]!, this.setup.maxBytes, this.setup.parse);
  }

  private startWorker(): void {
    const { files, maxBytes, parse } = this.setup;
    const claims = new Int32Array(new SharedArrayBuffer(files.length * Int32Array.BYTES_PER_ELEMENT));
    try {
      this.worker = new Worker(WORKER_URL, { workerData: { files, maxBytes, parse, batch: BATCH, claims } });
    } catch {
      this.worker = undefined;
      return;
    }
    this.claims = claims;
    const worker = this.worker;
    worker.on('message', (message: FromLoadWorker) => {
      if (message.type === 'loaded') this.received.push(...message.files);
      else this.close();
      this.wake?.();
    });
    // A worker that fails (e.g. out of memory) is not a verdict on the files: the rest load here.
    const failed = (): void => {
      this.close();
      this.wake?.();
    };
    worker.once('error', failed);
    worker.once('exit', failed);
  }

  /** Stop the worker (when every file is in, after it failed, or after a failure elsewhere); what it has not sent loads here. */
  close(): void {
    const worker = this.worker;
    this.worker = undefined;
    if (worker !== undefined) {
      worker.removeAllListeners('message');
      void worker.terminate();
    }
  }
}
