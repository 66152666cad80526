import { parentPort, workerData } from 'node:worker_threads';
import { walkInputs, type CollectOptions } from './inputs.js';
import { errorForWire } from './wire-error.js';
import { packBatch } from './walk-source.js';

/**
 * The walk of a build's inputs in a worker thread (see walkInWorker): answers each request with
 * the next batch of files, packed, or with no bytes once the walk is done, or with the error that
 * ended it.
 */
const { inputs, options } = workerData as { inputs: string[]; options: CollectOptions };
const walk = walkInputs(inputs, { ...options, sizes: false });
const port = parentPort;
let chain = Promise.resolve();

port?.on('message', (message: { files: number }) => {
  // Requests are answered in order, one walk step at a time.
  chain = chain.then(async () => {
    try {
      const sources: string[] = [];
      const paths: string[] = [];
      while (paths.length < message.files) {
        const step = await walk.next();
        if (step.done === true) break;
        sources.push(step.value.source);
        paths.push(step.value.path);
      }
      if (paths.length === 0) {
        port.postMessage({ count: 0 });
        return;
      }
      const packed = packBatch(sources, paths);
      port.postMessage({ bytes: packed.bytes, count: packed.count }, [packed.bytes.buffer as ArrayBuffer]);
    } catch (error) {
      port.postMessage({ count: 0, error: errorForWire(error) });
    }
  });
});
