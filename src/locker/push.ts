/**
 * Push: only a verified, intact packet goes in. The order of writes makes an interrupted push
 * harmless: the packet object first (its multipart upload is aborted on error), then its lock
 * (read back), then the index entry, then the ledger entry. A retry finds the object, checks that
 * its bytes are the packet's, and completes what is missing; nothing is ever overwritten.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { inputError, usageError } from '../core/errors.js';
import { formatRfc3339 } from '../core/time.js';
import type { Report } from '../core/result.js';
import type { TrustPolicy } from '../trust/index.js';
import { verifyPacket } from '../verify/verify.js';
import type { LockerBackend, LockState } from './backend.js';
import { retentionFor, type LockerConfig } from './config.js';
import { parseIndexEntry, serializeIndexEntry, MAX_INDEX_ENTRY_BYTES, type IndexEntry } from './index-entry.js';
import { indexKey, isLabel, packetKey } from './layout.js';
import { appendLedgerEntry, ledgerRecordsPush } from './ledger.js';
import { lockAndConfirm } from './lock.js';
import { hashStream, type ObjectDigest } from './hashing.js';
import type { Stamper } from './stamp.js';

export interface PushOptions {
  now: Date;
  /** Require the packet to satisfy this trust policy (signatures, time-stamps, dual control). */
  policy?: TrustPolicy;
  onProgress?: (bytes: number) => void;
  /** Time-stamps the ledger entry (the locker file's ledger.tsa). */
  stamp?: Stamper;
}

export interface PushResult {
  /** The verification that decided whether the packet may go in. */
  report: Report;
  pushed: boolean;
  digest?: string;
  key?: string;
  /** True when the locker already held these exact bytes with their index and ledger entries. */
  alreadyStored?: boolean;
  /** True when an earlier, interrupted push of these bytes was completed. */
  resumed?: boolean;
  entry?: IndexEntry;
  lock?: LockState;
  ledgerSeq?: number;
}

export async function pushPacket(backend: LockerBackend, config: LockerConfig, file: string, options: PushOptions): Promise<PushResult> {
  const info = await stat(file).catch(() => undefined);
  if (info === undefined || !info.isFile()) {
    throw usageError('LOCKER_PUSH_NOT_A_FILE', `${file} is not a packet file`, { hint: 'push a NAME.packet.tar file (pack an unpacked folder first with tar)' });
  }
  const { report, reading } = await verifyPacket(file, { now: options.now, unmet: 'fail', command: 'locker push', ...(options.policy === undefined ? {} : { policy: options.policy }) });
  if (report.verdict !== 'pass' || reading.digest === undefined || reading.metadata === undefined) return { report, pushed: false };

  const metadata = reading.metadata;
  for (const [field, value] of [['tenant', metadata.tenant], ['environment', metadata.environment]] as const) {
    if (value !== undefined && !isLabel(value)) throw inputError('LOCKER_BAD_LABEL', `packet.json ${field} ${JSON.stringify(value)} is not a DNS label; the locker cannot index it`);
  }
  const created = new Date(metadata.created);
  if (Number.isNaN(created.getTime())) throw inputError('LOCKER_BAD_CREATED', `packet.json created ${JSON.stringify(metadata.created)} is not a time`);
  const digest = reading.digest;
  const key = packetKey(digest);
  const retention = retentionFor(config, metadata.tenant, metadata.environment);
  const retainUntil = new Date(options.now.getTime() + retention.days * 86_400_000);
  const wanted = { mode: retention.mode, retainUntil, legalHold: config.retention.legalHoldOnPush };

  // The bytes verified above are the bytes stored: the upload hashes what it sends, and the file
  // must not have changed (size, modification time) between verification and the end of upload.
  const unchanged = async (): Promise<void> => {
    const now = await stat(file).catch(() => undefined);
    if (now === undefined || now.size !== info.size || now.mtimeMs !== info.mtimeMs) {
      throw inputError('LOCKER_FILE_CHANGED', `${file} changed while it was being pushed`, {
        hint: 'push again once nothing writes to the packet; an object left behind is unindexed and `locker verify` lists it',
      });
    }
  };
  const entryKey = indexKey(metadata.tenant, created, digest);
  let fileHash: ObjectDigest;
  let resumed = false;
  if ((await backend.head(key)) === undefined) {
    fileHash = await backend.putFile(key, file, options.onProgress);
    await unchanged();
  } else {
    fileHash = await hashStream(createReadStream(file));
    await unchanged();
    const indexed = await readIndexEntry(backend, entryKey);
    if (indexed !== undefined && indexed.object.sha256 === fileHash.sha256 && (await ledgerRecordsPush(backend, digest))) {
      const lock = backend.locks ? await backend.getLock(key) : { legalHold: false };
      return { report, pushed: true, digest, key, alreadyStored: true, entry: indexed, lock };
    }
    // An interrupted push: the stored bytes must be these bytes before the rest is completed.
    const stored = await backend.getStream(key);
    const storedHash = stored === undefined ? undefined : await hashStream(stored);
    if (storedHash?.sha256 !== fileHash.sha256) {
      throw inputError('LOCKER_DIGEST_TAKEN', `the locker already holds packet ${digest} with other bytes (sha256 ${storedHash?.sha256 ?? 'unreadable'})`, {
        hint: 'a packet is stored once: the same sealed packet with other signatures cannot replace it; push it under a new build',
      });
    }
    resumed = true;
  }
  const lock = backend.locks ? await lockAndConfirm(backend, key, wanted) : { legalHold: false };
  // Without lock state (a bucket without Object Lock), the entries record the retention asked for.
  const lockFacts = { mode: lock.mode ?? retention.mode, retainUntil: formatRfc3339(lock.retainUntil ?? retainUntil) };
  const entry: IndexEntry = {
    format: 'evidence-packet/locker-index/v1',
    digest,
    name: metadata.name,
    ...(metadata.tenant === undefined ? {} : { tenant: metadata.tenant }),
    ...(metadata.environment === undefined ? {} : { environment: metadata.environment }),
    ...(metadata.operation === undefined ? {} : { operation: metadata.operation }),
    created: metadata.created,
    signers: [...reading.unsealed.signatures.keys()].sort(),
    object: fileHash,
    pushedAt: formatRfc3339(options.now),
    retention: lockFacts,
  };
  if (await backend.putBytes(entryKey, serializeIndexEntry(entry))) {
    if (backend.locks) await lockAndConfirm(backend, entryKey, { ...wanted, legalHold: false });
  } else {
    // Written by the interrupted push: it must describe these bytes.
    const indexed = await readIndexEntry(backend, entryKey);
    if (indexed?.object.sha256 !== fileHash.sha256) {
      throw inputError('LOCKER_INDEX_CONFLICT', `index entry ${entryKey} does not describe these bytes`, { hint: 'run `packet locker verify` to see what is wrong' });
    }
  }
  const record = await appendLedgerEntry(backend, { action: 'push', at: formatRfc3339(options.now), packet: digest, object: fileHash, retention: lockFacts, legalHold: lock.legalHold }, options.stamp);
  if (backend.locks) {
    for (const ledgerObject of [record.key, record.timestampKey]) if (ledgerObject !== undefined) await lockAndConfirm(backend, ledgerObject, { ...wanted, legalHold: false });
  }
  return { report, pushed: true, digest, key, resumed, entry, lock, ledgerSeq: record.seq };
}

async function readIndexEntry(backend: LockerBackend, key: string): Promise<IndexEntry | undefined> {
  const bytes = await backend.getBytes(key, MAX_INDEX_ENTRY_BYTES);
  if (bytes === undefined) return undefined;
  const parsed = parseIndexEntry(bytes);
  return 'problem' in parsed ? undefined : parsed;
}
