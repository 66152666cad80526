/**
 * Push: only a verified, intact packet goes in. The order of writes makes an interrupted push
 * harmless: the packet object first (its multipart upload is aborted on error), then its lock
 * (read back), then the index entry, then the ledger entry. A retry finds the object, checks that
 * its bytes are the packet's, and completes what is missing; nothing is ever overwritten.
 */
import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { inputError, usageError } from '../core/errors.js';
import { formatRfc3339 } from '../core/time.js';
import type { Report } from '../core/result.js';
import type { TrustPolicy } from '../trust/index.js';
import { verifyPacket } from '../verify/verify.js';
import { MANIFEST } from '../packet/format.js';
import { readTar } from '../packet/tar-reader.js';
import { HEADER_READ_CHUNK } from '../packet/chunks.js';
import type { LockerBackend, LockState } from './backend.js';
import { retentionFor, type LockerConfig } from './config.js';
import { parseIndexEntry, serializeIndexEntry, MAX_INDEX_ENTRY_BYTES, type IndexEntry } from './index-entry.js';
import { indexKey, isLabel, NO_TENANT, packetKey } from './layout.js';
import { compactIndex, PACK_AFTER_LOOSE_ENTRIES } from './index-pack.js';
import { appendLedgerEntry, ledgerRecordsPush } from './ledger.js';
import { lockAndConfirm } from './lock.js';
import { hashStream, type ObjectDigest } from './hashing.js';
import { StreamedTarDigests } from './streamed-digests.js';
import type { Stamper } from './stamp.js';

export interface PushOptions {
  now: Date;
  /** Require the packet to satisfy this trust policy (signatures, time-stamps, dual control). */
  policy?: TrustPolicy;
  /** Bytes sent since the last call, and the packet's size. */
  onProgress?: (bytes: number, total: number) => void;
  /** Time-stamps the ledger entry (the locker file's ledger.tsa). */
  stamp?: Stamper;
  /** Pack the tenant's index once this many of its entries are in no pack (default 100). */
  packIndexAfter?: number;
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
  /** Entries of the packet's tenant put into a new index pack after this push. */
  packed?: number;
  /** Why packing the index failed; the push itself stands (list reads the entries one by one). */
  packProblem?: string;
}

export async function pushPacket(backend: LockerBackend, config: LockerConfig, file: string, options: PushOptions): Promise<PushResult> {
  const info = await stat(file).catch(() => undefined);
  if (info === undefined || !info.isFile()) {
    throw usageError('LOCKER_PUSH_NOT_A_FILE', `${file} is not a packet file`, { hint: 'push a NAME.packet.tar file (pack an unpacked folder first with tar)' });
  }
  // The upload runs while the packet is verified (both read the same file), under the digest read
  // first from the manifest; it completes only once verification has passed and, every byte
  // sent, the file is unchanged (see hashingFileStream): otherwise it is aborted, never stored.
  // The verification judges the bytes the upload sends: their entries are hashed as they go
  // (StreamedTarDigests), so the file's contents are read once.
  const early = await manifestDigest(file);
  const gate = makeGate();
  const complete = (): Promise<void> => gate.promise.then(() => unchangedSince(file, info));
  const sent = new StreamedTarDigests();
  const upload =
    early !== undefined && (await backend.head(packetKey(early))) === undefined
      ? settle(backend.putFile(packetKey(early), file, { complete, onChunk: (chunk) => sent.update(chunk), ...progressOf(options, info) })).finally(() => sent.end())
      : undefined;
  if (upload === undefined) sent.end();
  const stopUpload = async (): Promise<void> => {
    gate.close();
    await upload;
  };
  let outcome: Awaited<ReturnType<typeof verifyPacket>>;
  try {
    outcome = await verifyPacket(file, {
      now: options.now,
      unmet: 'fail',
      command: 'locker push',
      ...(options.policy === undefined ? {} : { policy: options.policy }),
      ...(upload === undefined ? {} : { streamed: { contentDigests: sent.digests, contentDigestsReach: (end: number) => sent.reach(end) } }),
    });
  } catch (error) {
    await stopUpload();
    throw error;
  }
  const { report, reading } = outcome;
  if (report.verdict !== 'pass' || reading.digest === undefined || reading.metadata === undefined) {
    await stopUpload();
    return { report, pushed: false };
  }
  try {
    return await store(backend, config, file, info, { report, reading: reading as Verified, options, ...(upload === undefined || reading.digest !== early ? {} : { upload, gate }) });
  } finally {
    await stopUpload();
  }
}

type Verified = Awaited<ReturnType<typeof verifyPacket>>['reading'] & { digest: string; metadata: NonNullable<Awaited<ReturnType<typeof verifyPacket>>['reading']['metadata']> };

interface StoreInput {
  report: Report;
  reading: Verified;
  options: PushOptions;
  /** The upload already under way, waiting for its gate. */
  upload?: Promise<Settled<ObjectDigest>>;
  gate?: Gate;
}

async function store(backend: LockerBackend, config: LockerConfig, file: string, info: Stats, input: StoreInput): Promise<PushResult> {
  const { report, reading, options } = input;
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
  const unchanged = (): Promise<void> => unchangedSince(file, info);
  const entryKey = indexKey(metadata.tenant, created, digest);
  let fileHash: ObjectDigest;
  let resumed = false;
  if (input.upload !== undefined && input.gate !== undefined) {
    input.gate.open();
    const uploaded = await input.upload;
    if (!uploaded.ok) throw uploaded.error;
    fileHash = uploaded.value;
  } else if ((await backend.head(key)) === undefined) {
    fileHash = await backend.putFile(key, file, { complete: unchanged, ...progressOf(options, info) });
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
  const pushed: PushResult = { report, pushed: true, digest, key, resumed, entry, lock, ledgerSeq: record.seq };
  try {
    const packing = await compactIndex(backend, metadata.tenant ?? NO_TENANT, options.packIndexAfter ?? PACK_AFTER_LOOSE_ENTRIES);
    if (packing.packed > 0) pushed.packed = packing.packed;
  } catch (error) {
    pushed.packProblem = error instanceof Error ? error.message : String(error);
  }
  return pushed;
}

/** The upload's progress callback: the bytes sent, reported with the packet's size. */
function progressOf(options: PushOptions, info: Stats): { onProgress?: (bytes: number) => void } {
  const report = options.onProgress;
  return report === undefined ? {} : { onProgress: (bytes) => report(bytes, info.size) };
}

async function unchangedSince(file: string, info: Stats): Promise<void> {
  const now = await stat(file).catch(() => undefined);
  if (now === undefined || now.size !== info.size || now.mtimeMs !== info.mtimeMs) {
    throw inputError('LOCKER_FILE_CHANGED', `${file} changed while it was being pushed`, {
      hint: 'push again once nothing writes to the packet; nothing was stored',
    });
  }
}

async function readIndexEntry(backend: LockerBackend, key: string): Promise<IndexEntry | undefined> {
  const bytes = await backend.getBytes(key, MAX_INDEX_ENTRY_BYTES);
  if (bytes === undefined) return undefined;
  const parsed = parseIndexEntry(bytes);
  return 'problem' in parsed ? undefined : parsed;
}

/** SHA-256 of the manifest.sha256 entry, read from the start of the tar (it sorts before the payload). */
async function manifestDigest(file: string): Promise<string | undefined> {
  try {
    for await (const entry of readTar(file, false, HEADER_READ_CHUNK)) {
      if (entry.path !== MANIFEST) continue;
      if (entry.type !== 'file' || entry.size > MAX_EARLY_MANIFEST_BYTES) return undefined;
      const hash = createHash('sha256');
      for await (const chunk of entry.content) hash.update(chunk);
      return hash.digest('hex');
    }
  } catch {
    // Whatever is wrong with the file, verification says it properly.
  }
  return undefined;
}

const MAX_EARLY_MANIFEST_BYTES = 64 * 1024 * 1024;

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}

interface Gate {
  promise: Promise<void>;
  open(): void;
  close(): void;
}

/** A promise to hold an upload's completion: opened when verification passed, else closed. */
function makeGate(): Gate {
  let open = (): void => undefined;
  let close = (): void => undefined;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    close = () => reject(new Error('the packet did not verify: upload abandoned'));
  });
  promise.catch(() => undefined);
  return { promise, open, close };
}
