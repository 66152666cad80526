/**
 * The chain of custody: an append-only ledger of what was pushed, held, released and when. Each
 * entry is one object `ledger/<seq>.json` (canonical JSON, RFC 8785) that names the SHA-256 of the
 * previous entry's exact bytes, and is kept under Object Lock like the packets. Deleting, replacing
 * or inserting an entry breaks a link that `locker verify` reports, with the entry where it starts.
 */
import { createHash } from 'node:crypto';
import { canonicalize } from 'json-canonicalize';
import type { LockerBackend, RetentionMode } from './backend.js';
import { isDigest, LEDGER_PREFIX, ledgerKey, ledgerTimestampKey, parseLedgerKey } from './layout.js';
import type { Stamper } from './stamp.js';
import { parseBoundedObject } from './json-object.js';

export const LEDGER_FORMAT = 'evidence-packet/locker-ledger/v1';
export const MAX_LEDGER_ENTRY_BYTES = 64 * 1024;

export type LedgerAction = 'push' | 'hold' | 'release' | 'retention';

export interface LedgerEntry {
  format: typeof LEDGER_FORMAT;
  seq: number;
  /** SHA-256 of the previous entry's bytes; null only for entry 1. */
  previous: string | null;
  action: LedgerAction;
  /** When the locker recorded the action, RFC 3339 UTC. */
  at: string;
  /** The packet digest the action is about. */
  packet: string;
  /** push: SHA-256 and size of the stored bytes. */
  object?: { sha256: string; size: number };
  /** push and retention: the retention read back from the store after the write. */
  retention?: { mode: RetentionMode; retainUntil: string };
  /** push: whether the packet went in under legal hold. */
  legalHold?: boolean;
}

export type NewLedgerEntry = Omit<LedgerEntry, 'format' | 'seq' | 'previous'>;

export interface LedgerRecord {
  key: string;
  seq: number;
  bytes: Buffer;
  /** SHA-256 of `bytes`: what the next entry must name as `previous`. */
  digest: string;
  entry?: LedgerEntry;
  problem?: string;
  /** The key of its RFC 3161 time-stamp, when one was written with it. */
  timestampKey?: string;
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function serializeLedgerEntry(entry: LedgerEntry): Buffer {
  return Buffer.from(`${canonicalize(entry)}\n`, 'utf8');
}

/** The highest sequence number in the ledger (0 when empty), from key names alone. */
export async function lastLedgerSeq(backend: LockerBackend): Promise<number> {
  let last = 0;
  for await (const item of backend.list(LEDGER_PREFIX)) {
    const seq = parseLedgerKey(item.key);
    if (seq !== undefined && seq > last) last = seq;
  }
  return last;
}

/**
 * Append one entry after the current last one. The store never overwrites, so two writers racing
 * for the same number cannot both win: the loser reads the new tail and tries the next number.
 */
export async function appendLedgerEntry(backend: LockerBackend, entry: NewLedgerEntry, stamp?: Stamper): Promise<LedgerRecord> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const last = await lastLedgerSeq(backend);
    let previous: string | null = null;
    if (last > 0) {
      const bytes = await backend.getBytes(ledgerKey(last), MAX_LEDGER_ENTRY_BYTES);
      if (bytes === undefined) throw new Error(`ledger entry ${last} disappeared while appending`);
      previous = sha256(bytes);
    }
    const full: LedgerEntry = { format: LEDGER_FORMAT, seq: last + 1, previous, ...entry };
    const bytes = serializeLedgerEntry(full);
    const key = ledgerKey(full.seq);
    // Stamped before it is written: a TSA that cannot be reached leaves the ledger untouched.
    const token = stamp === undefined ? undefined : await stamp(bytes);
    if (await backend.putBytes(key, bytes)) {
      const record: LedgerRecord = { key, seq: full.seq, bytes, digest: sha256(bytes), entry: full };
      if (token !== undefined) {
        record.timestampKey = ledgerTimestampKey(full.seq);
        await backend.putBytes(record.timestampKey, Buffer.from(token));
      }
      return record;
    }
  }
  throw new Error('could not append to the ledger: other writers kept taking the next entry');
}

/** Whether the ledger records the push of `digest`: read from the newest entry back, where a retry finds it. */
export async function ledgerRecordsPush(backend: LockerBackend, digest: string): Promise<boolean> {
  const keys: string[] = [];
  for await (const item of backend.list(LEDGER_PREFIX)) if (parseLedgerKey(item.key) !== undefined) keys.push(item.key);
  for (const key of keys.reverse()) {
    const parsed = parseLedgerEntry((await backend.getBytes(key, MAX_LEDGER_ENTRY_BYTES)) ?? Buffer.alloc(0));
    if (!('problem' in parsed) && parsed.action === 'push' && parsed.packet === digest) return true;
  }
  return false;
}

/** Every ledger object, in sequence order, parsed (a record whose body is not an entry carries a problem). */
export async function readLedger(backend: LockerBackend): Promise<LedgerRecord[]> {
  const records: LedgerRecord[] = [];
  for await (const item of backend.list(LEDGER_PREFIX)) {
    const seq = parseLedgerKey(item.key);
    if (seq === undefined) continue;
    const bytes = (await backend.getBytes(item.key, MAX_LEDGER_ENTRY_BYTES)) ?? Buffer.alloc(0);
    const parsed = parseLedgerEntry(bytes);
    records.push({ key: item.key, seq, bytes, digest: sha256(bytes), ...('problem' in parsed ? { problem: parsed.problem } : { entry: parsed }) });
  }
  return records.sort((a, b) => a.seq - b.seq);
}

export function parseLedgerEntry(bytes: Buffer): LedgerEntry | { problem: string } {
  const parsed = parseBoundedObject(bytes, MAX_LEDGER_ENTRY_BYTES);
  if ('problem' in parsed) return parsed;
  const e = parsed.value;
  if (e.format !== LEDGER_FORMAT) return { problem: 'unknown format' };
  if (!Number.isSafeInteger(e.seq) || (e.seq as number) < 1) return { problem: 'bad seq' };
  if (!(e.previous === null || (typeof e.previous === 'string' && isDigest(e.previous)))) return { problem: 'bad previous' };
  if (!['push', 'hold', 'release', 'retention'].includes(e.action as string)) return { problem: 'unknown action' };
  if (typeof e.at !== 'string' || Number.isNaN(Date.parse(e.at))) return { problem: 'bad time' };
  if (typeof e.packet !== 'string' || !isDigest(e.packet)) return { problem: 'bad packet digest' };
  const object = e.object as { sha256?: unknown; size?: unknown } | undefined;
  if (object !== undefined && (typeof object.sha256 !== 'string' || !isDigest(object.sha256) || !Number.isSafeInteger(object.size))) return { problem: 'bad object' };
  if (e.action === 'push' && object === undefined) return { problem: 'push without object' };
  const retention = e.retention as { mode?: unknown; retainUntil?: unknown } | undefined;
  if (retention !== undefined && ((retention.mode !== 'COMPLIANCE' && retention.mode !== 'GOVERNANCE') || typeof retention.retainUntil !== 'string')) return { problem: 'bad retention' };
  return e as unknown as LedgerEntry;
}
