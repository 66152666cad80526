import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SourceDocument } from './source.js';
import { scanContractText, type TextFinding } from './text-scan.js';

/** Below this many documents the text scan stays in this thread: a worker's start would cost more than it saves. */
export const TEXT_SCAN_THREAD_THRESHOLD = 1000;
/** Texts sent to the worker per message. */
const BATCH = 64;

const WORKER_URL = new URL('./text-scan-worker.js', import.meta.url);

/** What the worker is told once, at its start. */
export interface TextScanSetup {
  version: '1.1' | '1.2';
  /** Whether each hit needs the pointer of its value (only a per-field ignore reads it). */
  pointers: boolean;
}

/** Messages to the worker: a batch of `[index, text]`, then `end`. */
export type ToTextScanWorker = { type: 'batch'; texts: [number, string][] } | { type: 'end' };
/** Messages from it: the hits of a batch (documents without any left out), then `done` with the count of texts scanned. */
export type FromTextScanWorker = { type: 'hits'; hits: [number, TextFinding[]][] } | { type: 'done'; scanned: number };

/**
 * The inline-secret rule's scan of each document's whole text (the redaction detectors, then the
 * pointer of each hit's value, which needs the positioned YAML tree, the slowest parse we have).
 * On a large set with a second CPU, when hits need pointers (a per-field ignore), it runs in a
 * worker thread while this thread checks schemas and runs the rules; texts are sent as documents are claimed. The worker runs the same function
 * ({@link scanContractText}) on the same text, so the findings are those of the scan here; if the
 * worker fails for any reason, every document is scanned here instead.
 */
export class TextScanner {
  private readonly sources: SourceDocument[] = [];
  private worker: Worker | undefined;
  private pending: [number, string][] = [];
  private readonly hits = new Map<number, TextFinding[]>();
  private finished: Promise<boolean> | undefined;
  private scanned = -1;

  /**
   * `thread`: true asks for the worker, false forbids it. By default it is used for a large set on
   * more than one CPU when hits need pointers: the positioned YAML tree is what makes the scan
   * slow. The detectors alone cost about 25 µs a document, less than the worker's start, its
   * compiler warming up again and the copies of the texts (measured on 2 CPUs: 12% more CPU and
   * 15% more wall time for the evidence-packet benchmark under load).
   */
  constructor(
    private readonly setup: TextScanSetup,
    expected: number,
    thread?: boolean,
  ) {
    const wanted = thread ?? (setup.pointers && expected >= TEXT_SCAN_THREAD_THRESHOLD && availableParallelism() > 1);
    if (wanted && existsSync(fileURLToPath(WORKER_URL))) this.startWorker();
  }

  /** Whether a worker is scanning (for tests). */
  get threaded(): boolean {
    return this.worker !== undefined;
  }

  /** A document to scan; `index` is its place in the claimed documents. */
  add(index: number, source: SourceDocument): void {
    this.sources[index] = source;
    if (this.worker === undefined) return;
    this.pending.push([index, source.text]);
    if (this.pending.length >= BATCH) this.flush();
  }

  /** The hits of every document added, by index. Stops the worker. */
  async results(): Promise<(index: number) => TextFinding[]> {
    const viaWorker = this.worker !== undefined && (await this.finish());
    if (viaWorker) return (index) => this.hits.get(index) ?? [];
    // In this thread, through each document's own syntax tree (kept for its other locations).
    const scanned = this.sources.map((source) => scanContractText(source.text, this.setup.pointers ? () => source.syntax() : undefined));
    return (index) => scanned[index] ?? [];
  }

  /** Stop the worker if it still runs (after a failure elsewhere). */
  close(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private startWorker(): void {
    try {
      this.worker = new Worker(WORKER_URL, { workerData: this.setup });
    } catch {
      this.worker = undefined;
      return;
    }
    const worker = this.worker;
    worker.unref();
    this.finished = new Promise<boolean>((resolve) => {
      worker.on('message', (message: FromTextScanWorker) => {
        if (message.type === 'hits') for (const [index, found] of message.hits) this.hits.set(index, found);
        else {
          this.scanned = message.scanned;
          resolve(true);
        }
      });
      worker.once('error', () => resolve(false));
      worker.once('exit', () => resolve(false));
    });
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const message: ToTextScanWorker = { type: 'batch', texts: this.pending };
    this.pending = [];
    this.worker!.postMessage(message);
  }

  /** Send what is left and wait for the worker; false when it failed or did not scan every text. */
  private async finish(): Promise<boolean> {
    const worker = this.worker!;
    this.flush();
    worker.postMessage({ type: 'end' } satisfies ToTextScanWorker);
    const done = await this.finished!;
    void worker.terminate();
    this.worker = undefined;
    return done && this.scanned === this.sources.filter((source) => source !== undefined).length;
  }
}
