import { parentPort, workerData } from 'node:worker_threads';
import { loadContractFileSync } from './source.js';
import type { WireResult } from './parse-pool.js';

/** Worker side of the parse pool: load and parse a slice of the files, send plain data back. */
const { files } = workerData as { files: string[] };
const results: WireResult[] = files.map((file) => {
  const loaded = loadContractFileSync(file);
  return loaded.ok ? { ok: true, text: loaded.source.text, value: loaded.source.value } : { ok: false, problem: loaded.problem };
});
parentPort?.postMessage(results);
