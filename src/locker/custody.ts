/**
 * Legal hold and retention changes on packets already in the locker. Each change is made by the
 * store's Object Lock, read back, and recorded in the ledger; nothing is recorded that did not take.
 */
import { inputError, usageError } from '../core/errors.js';
import { formatRfc3339 } from '../core/time.js';
import type { LockerBackend, LockState, RetentionMode } from './backend.js';
import { LockRefusedError } from './errors.js';
import { packetKey } from './layout.js';
import { appendLedgerEntry, type LedgerRecord } from './ledger.js';
import type { Stamper } from './stamp.js';
import { covers, describeLock, holdAndConfirm } from './lock.js';

export interface CustodyResult {
  digest: string;
  lock: LockState;
  ledgerSeq: number;
}

export async function setHold(backend: LockerBackend, digest: string, on: boolean, now: Date, stamp?: Stamper): Promise<CustodyResult> {
  const key = await existingPacket(backend, digest);
  requireLocks(backend);
  const before = await backend.getLock(key);
  const lock = await holdAndConfirm(backend, key, on);
  const record = await appendLedgerEntry(backend, { action: on ? 'hold' : 'release', at: formatRfc3339(now), packet: digest }, stamp);
  await lockLedgerRecord(backend, record, before, now);
  return { digest, lock, ledgerSeq: record.seq };
}

/**
 * Extend retention. Shortening is refused here before the store is asked; the store must refuse it
 * too for COMPLIANCE (the tests ask it directly and show that it does).
 */
export async function extendRetention(backend: LockerBackend, digest: string, mode: RetentionMode, retainUntil: Date, now: Date, stamp?: Stamper): Promise<CustodyResult> {
  const key = await existingPacket(backend, digest);
  requireLocks(backend);
  const before = await backend.getLock(key);
  if (before.retainUntil !== undefined && retainUntil.getTime() < before.retainUntil.getTime()) {
    throw new LockRefusedError(`retention of packet ${digest} cannot be shortened: it is ${describeLock(before)}`);
  }
  if (before.mode === 'COMPLIANCE' && mode !== 'COMPLIANCE') throw new LockRefusedError(`COMPLIANCE retention of packet ${digest} cannot become ${mode}`);
  await backend.setRetention(key, mode, retainUntil);
  const lock = await backend.getLock(key);
  if (!covers(lock, { mode, retainUntil })) {
    throw inputError('LOCKER_LOCK_NOT_APPLIED', `${backend.description} did not apply ${mode} retention until ${formatRfc3339(retainUntil)} on ${key}: read back ${describeLock(lock)}`);
  }
  const record = await appendLedgerEntry(backend, {
    action: 'retention',
    at: formatRfc3339(now),
    packet: digest,
    retention: { mode: lock.mode ?? mode, retainUntil: formatRfc3339(lock.retainUntil ?? retainUntil) },
  }, stamp);
  await lockLedgerRecord(backend, record, lock, now);
  return { digest, lock, ledgerSeq: record.seq };
}

function requireLocks(backend: LockerBackend): void {
  if (!backend.locks) throw usageError('LOCKER_NO_OBJECT_LOCK', `${backend.description} has no Object Lock: it cannot hold or retain anything`, { hint: 'use a bucket with Object Lock enabled' });
}

async function existingPacket(backend: LockerBackend, digest: string): Promise<string> {
  const key = packetKey(digest);
  if ((await backend.head(key)) === undefined) throw inputError('LOCKER_NOT_FOUND', `the locker holds no packet ${digest}`, { hint: 'run `packet locker list` to see what it holds' });
  return key;
}

/** A ledger entry (and its time-stamp) is kept at least as long as the packet it is about. */
async function lockLedgerRecord(backend: LockerBackend, record: LedgerRecord, packetLock: LockState, now: Date): Promise<void> {
  for (const key of [record.key, record.timestampKey]) if (key !== undefined) await lockLedgerObject(backend, key, packetLock, now);
}

async function lockLedgerObject(backend: LockerBackend, key: string, packetLock: LockState, now: Date): Promise<void> {
  if (packetLock.mode === undefined || packetLock.retainUntil === undefined || packetLock.retainUntil.getTime() <= now.getTime()) return;
  await backend.setRetention(key, packetLock.mode, packetLock.retainUntil);
  const after = await backend.getLock(key);
  if (!covers(after, { mode: packetLock.mode, retainUntil: packetLock.retainUntil })) {
    throw inputError('LOCKER_LOCK_NOT_APPLIED', `${backend.description} did not lock ledger entry ${key}: read back ${describeLock(after)}`);
  }
}
