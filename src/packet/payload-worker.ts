import { parentPort, workerData } from 'node:worker_threads';
import { defaultRuleSet, ruleSetFromText } from '../redact/index.js';
import type { PoolSettings } from './payload-pool.js';
import { prepareBatch } from './small-batch.js';
import { unpackBatch } from './walk-source.js';

/**
 * A worker of the payload pool: reads, redacts, canonicalizes, hashes and formats small files
 * (the same prepareBatch the main thread runs without a pool) and sends back the batch's tar
 * entries, whose memory moves to the main thread rather than being copied.
 */
const { rulesFile, strict, mode, mtime } = workerData as Omit<PoolSettings, 'mtime'> & { mtime: number };
// The text the main thread read: the file may have changed since, and every thread must redact alike.
const rules = rulesFile === undefined ? defaultRuleSet() : await ruleSetFromText(rulesFile.text, rulesFile.path);
const options = { rules, strict, spoolDir: '', mode, mtime: new Date(mtime) };
const port = parentPort;

port?.on('message', (message: { id: number; packed: Uint8Array; reuse?: ArrayBuffer; withPaths: boolean }) => {
  const batch = prepareBatch(unpackBatch(message.packed), options, message.reuse, message.withPaths);
  port.postMessage({ id: message.id, batch }, [batch.tar.buffer as ArrayBuffer]);
});
