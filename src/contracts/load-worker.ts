import { parentPort, workerData } from 'node:worker_threads';
import type { FromLoadWorker, LoadSetup, WireLoaded } from './load-pool.js';
import { loadContractFileSync } from './source.js';
import { scanContractText } from './text-scan.js';

/** Worker side of the contract loader: read, parse and scan each file in order, and send them back in batches. */
const { files, maxBytes, parse, scan, batch } = workerData as LoadSetup & { batch: number };
let pending: WireLoaded[] = [];
for (const file of files) {
  const loaded = loadContractFileSync(file, maxBytes, parse);
  if (loaded.ok) {
    const { source } = loaded;
    const wire: WireLoaded = { ok: true, text: source.text, value: source.value };
    // Each document's own syntax tree, built only if a hit needs it, as in the loader's thread.
    if (scan !== undefined) wire.hits = scanContractText(source.text, scan.pointers ? () => source.syntax() : undefined);
    pending.push(wire);
  } else pending.push({ ok: false, problem: loaded.problem });
  if (pending.length >= batch) {
    parentPort!.postMessage({ type: 'loaded', files: pending } satisfies FromLoadWorker);
    pending = [];
  }
}
if (pending.length > 0) parentPort!.postMessage({ type: 'loaded', files: pending } satisfies FromLoadWorker);
parentPort!.postMessage({ type: 'done' } satisfies FromLoadWorker);
