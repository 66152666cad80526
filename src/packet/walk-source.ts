import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { walkInputs, type CollectOptions } from './inputs.js';
import type { BatchRequest } from './small-batch.js';
import { fromWire, type WireError } from './wire-error.js';

/**
 * Files listed by the walk, packed as `source\0path\0` per file in one buffer that owns its
 * memory: it moves between threads as it is, and the main thread never holds a string per file.
 */
export interface PackedBatch {
  bytes: Uint8Array;
  count: number;
}

/** The payload files in packet order, a batch at a time. */
export interface WalkSource {
  /** Up to `files` more files, or undefined when the walk is done. */
  next(files: number): Promise<PackedBatch | undefined>;
  close(): Promise<void>;
}

export function packBatch(sources: readonly string[], paths: readonly string[]): PackedBatch {
  let text = '';
  for (let i = 0; i < paths.length; i += 1) text += `${sources[i] as string}\0${paths[i] as string}\0`;
  const encoded = Buffer.from(text, 'utf8');
  // A copy with its own memory (small buffers come from a shared pool, which cannot be moved).
  const bytes = new Uint8Array(new ArrayBuffer(encoded.byteLength));
  bytes.set(encoded);
  return { bytes, count: paths.length };
}

export function unpackBatch(packed: Uint8Array): BatchRequest {
  const parts = Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength).toString('utf8').split('\0');
  const sources: string[] = [];
  const paths: string[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    sources.push(parts[i] as string);
    paths.push(parts[i + 1] as string);
  }
  return { sources, paths };
}

/** Pack up to `files` files from a walk, or undefined when it is done. */
export function nextBatch(walk: Generator<{ source: string; path: string }>, files: number): PackedBatch | undefined {
  const sources: string[] = [];
  const paths: string[] = [];
  while (paths.length < files) {
    const step = walk.next();
    if (step.done === true) break;
    sources.push(step.value.source);
    paths.push(step.value.path);
  }
  return paths.length === 0 ? undefined : packBatch(sources, paths);
}

/** The walk on this thread (a small build, or where the compiled worker is absent). */
export function walkHere(inputs: readonly string[], options: CollectOptions): WalkSource {
  const walk = walkInputs(inputs, { ...options, sizes: false });
  return {
    next: async (files) => nextBatch(walk, files),
    close: async () => {
      walk.return(undefined);
    },
  };
}

const WORKER_URL = new URL('./walk-worker.js', import.meta.url);
/** The walker's garbage is a few strings per file; a small young generation keeps its memory small. */
const WALKER_YOUNG_MB = 2;

/**
 * The walk in a worker thread: a million files mean millions of short-lived strings and objects,
 * and on the main thread they would grow its young generation to tens of megabytes (it can only
 * be bounded when a thread starts). One batch is asked for ahead, so the walk overlaps the rest.
 */
export function walkInWorker(inputs: readonly string[], options: CollectOptions): WalkSource | undefined {
  if (!existsSync(fileURLToPath(WORKER_URL))) return undefined;
  const worker = new Worker(WORKER_URL, {
    workerData: { inputs, options },
    execArgv: [],
    resourceLimits: { maxYoungGenerationSizeMb: WALKER_YOUNG_MB },
  });
  const answers: { resolve: (batch: PackedBatch | undefined) => void; reject: (error: Error) => void }[] = [];
  let failure: Error | undefined;
  const fail = (error: Error): void => {
    failure ??= error;
    for (const answer of answers.splice(0)) answer.reject(error);
  };
  worker.on('message', (message: { bytes?: Uint8Array; count: number; error?: WireError }) => {
    if (message.error !== undefined) return fail(fromWire(message.error));
    answers.shift()?.resolve(message.bytes === undefined ? undefined : { bytes: message.bytes, count: message.count });
  });
  worker.on('error', (error) => fail(error));
  worker.on('exit', (code) => {
    if (code !== 0) fail(new Error(`the walk worker exited with code ${code}`));
  });
  let ahead: Promise<PackedBatch | undefined> | undefined;
  const ask = (files: number): Promise<PackedBatch | undefined> => {
    if (failure !== undefined) return Promise.reject(failure);
    const answer = new Promise<PackedBatch | undefined>((resolve, reject) => answers.push({ resolve, reject }));
    answer.catch(() => undefined); // a batch asked ahead may fail unawaited; the next call reports it
    worker.postMessage({ files });
    return answer;
  };
  let done = false;
  return {
    async next(files) {
      if (done) return undefined;
      const batch = await (ahead ?? ask(files));
      ahead = undefined;
      if (batch === undefined) done = true;
      else ahead = ask(files);
      return batch;
    },
    async close() {
      await worker.terminate();
    },
  };
}
