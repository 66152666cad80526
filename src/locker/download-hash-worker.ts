import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { TarDigester } from '../packet/tar-digests.js';
import type { HashWorkerData, HashWorkerMessage } from './download-hashing.js';

/**
 * The two SHA-256s of a pull, on a core other than the one receiving the download: the whole
 * object's and, through TarDigester, each tar entry's content. The main thread copies the bytes
 * into slots of a shared buffer and names each filled slot here, in order; a slot is acknowledged
 * once hashed, so that it can be filled again.
 */
const { shared, slotBytes } = workerData as HashWorkerData;
const hash = createHash('sha256');
const entries = new TarDigester();
let size = 0;

parentPort?.on('message', (message: HashWorkerMessage) => {
  if (message.type === 'slot') {
    const bytes = Buffer.from(shared, message.slot * slotBytes, message.length);
    hash.update(bytes);
    entries.update(bytes);
    size += message.length;
    parentPort?.postMessage({ type: 'hashed', slot: message.slot });
    return;
  }
  parentPort?.postMessage({ type: 'done', size, sha256: hash.digest('hex'), entries: entries.digests.toShared() });
});
