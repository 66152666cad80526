import { parentPort, workerData } from 'node:worker_threads';
import type { FromTextScanWorker, TextScanSetup, ToTextScanWorker } from './text-scan-pool.js';
import { scanTextAlone } from './text-scan.js';

/** Worker side of the text scan: scan each text sent, send back the hits, and the count when told the end. */
const { version, pointers } = workerData as TextScanSetup;
let scanned = 0;
parentPort?.on('message', (message: ToTextScanWorker) => {
  if (message.type === 'end') {
    parentPort!.postMessage({ type: 'done', scanned } satisfies FromTextScanWorker);
    return;
  }
  const hits: [number, ReturnType<typeof scanTextAlone>][] = [];
  for (const [index, text] of message.texts) {
    const found = scanTextAlone(text, version, pointers);
    if (found.length > 0) hits.push([index, found]);
    scanned += 1;
  }
  if (hits.length > 0) parentPort!.postMessage({ type: 'hits', hits } satisfies FromTextScanWorker);
});
