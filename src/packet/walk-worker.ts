import { parentPort, workerData } from 'node:worker_threads';
import { walkInputs, type CollectOptions } from './inputs.js';
import { errorForWire } from './wire-error.js';
import { nextBatch } from './walk-source.js';

/**
 * The walk of a build's inputs in a worker thread (see walkInWorker): answers each request with
 * the next batch of files, packed, or with no bytes once the walk is done, or with the error that
 * ended it.
 */
const { inputs, options } = workerData as { inputs: string[]; options: CollectOptions };
const walk = walkInputs(inputs, { ...options, sizes: false });
const port = parentPort;

port?.on('message', (message: { files: number }) => {
  // Requests are answered in order: each is answered before the next message is taken.
  try {
    const packed = nextBatch(walk, message.files);
    if (packed === undefined) port.postMessage({ count: 0 });
    else port.postMessage({ bytes: packed.bytes, count: packed.count }, [packed.bytes.buffer as ArrayBuffer]);
  } catch (error) {
    port.postMessage({ count: 0, error: errorForWire(error) });
  }
});
