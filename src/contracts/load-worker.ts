import { parentPort, workerData } from 'node:worker_threads';
import type { FromLoadWorker, LoadSetup, WireLoaded } from './load-pool.js';
import { loadContractFileSync } from './source.js';

/**
 * Worker side of the contract loader: read and parse each file in order, and send them back in
 * batches; stop at the first file the main thread has claimed (it claims from the last one back).
 */
const { files, maxBytes, parse, batch, claims } = workerData as LoadSetup & { batch: number; claims: Int32Array };
let pending: WireLoaded[] = [];
for (const [index, file] of files.entries()) {
  if (Atomics.compareExchange(claims, index, 0, 1) !== 0) break;
  const loaded = loadContractFileSync(file, maxBytes, parse);
  pending.push(loaded.ok ? { ok: true, text: loaded.source.text, value: loaded.source.value } : { ok: false, problem: loaded.problem });
  if (pending.length >= batch) {
    parentPort!.postMessage({ type: 'loaded', files: pending } satisfies FromLoadWorker);
    pending = [];
  }
}
if (pending.length > 0) parentPort!.postMessage({ type: 'loaded', files: pending } satisfies FromLoadWorker);
parentPort!.postMessage({ type: 'done' } satisfies FromLoadWorker);
