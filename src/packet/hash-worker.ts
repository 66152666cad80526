import { parentPort } from 'node:worker_threads';
import { hashRange } from './hash-range.js';

/**
 * Hashes one byte range of a file per message, on its own core: the verifier hands it every
 * other large entry while it hashes the rest itself. Replies with the SHA-256 and the bytes read
 * (fewer than asked when the file is now shorter: the verifier then reads the entry itself).
 */
parentPort?.on('message', (job: { id: number; path: string; offset: number; size: number }) => {
  hashRange(job.path, job.offset, job.size).then(
    (result) => parentPort?.postMessage({ id: job.id, ...result }),
    (error: unknown) => parentPort?.postMessage({ id: job.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
