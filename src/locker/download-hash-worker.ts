import { parentPort, workerData } from 'node:worker_threads';
import { DownloadDigests } from './download-digests.js';
import type { HashWorkerData, HashWorkerMessage } from './download-hashing.js';

/**
 * The two SHA-256s of a pull (DownloadDigests), on a core other than the one receiving the
 * download. The main thread copies the bytes into slots of a shared buffer and names each filled
 * slot here, in order; a slot is acknowledged once hashed, so that it can be filled again.
 */
const { shared, slotBytes } = workerData as HashWorkerData;
const digests = new DownloadDigests();

parentPort?.on('message', (message: HashWorkerMessage) => {
  if (message.type === 'slot') {
    digests.update(Buffer.from(shared, message.slot * slotBytes, message.length));
    parentPort?.postMessage({ type: 'hashed', slot: message.slot });
    return;
  }
  parentPort?.postMessage({ type: 'done', ...digests.object(), entries: digests.entries.digests.toShared() });
});
