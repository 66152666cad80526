import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { PacketError } from '../core/errors.js';
import { loadRuleSet } from '../redact/index.js';
import type { InputFile } from './inputs.js';
import { prepareSmall } from './payload.js';
import type { WireError, WirePrepared } from './payload-pool.js';

/**
 * A worker of the payload pool: reads, redacts, canonicalizes and hashes small files, the same
 * functions the main thread would run, and sends back the bytes to pack, in the order asked.
 */
const { rulesFile, strict } = workerData as { rulesFile: string | undefined; strict: boolean };
const rules = await loadRuleSet(rulesFile);
const port = parentPort;

port?.on('message', (message: { id: number; files: InputFile[] }) => {
  const results = message.files.map((file): WirePrepared | WireError => {
    try {
      const prepared = prepareSmall(file, { rules, strict, spoolDir: '' });
      const bytes = prepared.content as Uint8Array;
      return {
        ok: true,
        kind: prepared.kind,
        size: prepared.size,
        bytes,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        records: prepared.records,
        ...(prepared.note === undefined ? {} : { note: prepared.note }),
      };
    } catch (error) {
      return { ok: false, error: wireError(error) };
    }
  });
  port.postMessage({ id: message.id, results });
});

function wireError(error: unknown): WireError['error'] {
  if (error instanceof PacketError) {
    return {
      packet: true,
      kind: error.kind,
      code: error.code,
      message: error.message,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
      ...(error.file === undefined ? {} : { file: error.file }),
      ...(error.line === undefined ? {} : { line: error.line }),
    };
  }
  return { packet: false, message: error instanceof Error ? error.message : String(error) };
}
