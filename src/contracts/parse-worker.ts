import { parentPort, workerData } from 'node:worker_threads';
import { loadContractFileSync, type ParseOptions } from './source.js';
import type { WireResult } from './parse-pool.js';

/** Worker side of the parse pool: load and parse a slice of the files, send plain data back. */
const { files, maxBytes, options } = workerData as { files: string[]; maxBytes: number; options: ParseOptions };
const results: WireResult[] = files.map((file) => {
  const loaded = loadContractFileSync(file, maxBytes, options);
  return loaded.ok ? { ok: true, text: loaded.source.text, value: loaded.source.value } : { ok: false, problem: loaded.problem };
});
parentPort?.postMessage(results);
