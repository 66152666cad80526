/**
 * Verify a locker, online (S3) or offline (a folder mirror made by `pull --all`): every ledger
 * link, every packet the ledger names (present, its bytes hash to what was pushed, in a folder also
 * the packet digest inside), its index entry, and its lock state against what the ledger says it
 * must be. Any gap is reported with the entry where it starts. One Report, like every verifier.
 */
import { fail, makeReport, pass, type Check, type Report } from '../core/result.js';
import { formatRfc3339 } from '../core/time.js';
import { readPacket } from '../packet/reader.js';
import { canonicalize } from 'json-canonicalize';
import type { LockerBackend, LockState, RetentionMode, StoredObject } from './backend.js';
import { listEntries, mapLimited, type ListedEntry } from './catalog.js';
import { FolderBackend } from './folder.js';
import { hashStream } from './hashing.js';
import { entryFromBytes, type IndexEntry } from './index-entry.js';
import { readIndexPacks } from './index-pack.js';
import type { TrustedTsa } from '../timestamp/index.js';
import { INDEX_PREFIX, ledgerTimestampKey, PACKETS_PREFIX, packetKey, parseIndexPackKey } from './layout.js';
import { readLedger, type LedgerRecord } from './ledger.js';
import { covers, describeLock } from './lock.js';

export interface LockerVerifyOptions {
  now: Date;
  /**
   * The TSA roots the verifier trusts for ledger time-stamps. Given, every entry must carry a
   * time-stamp over its exact bytes that chains to one of them; absent, time-stamps are not checked.
   */
  tsa?: TrustedTsa[];
  onProgress?: (bytes: number) => void;
}

interface Expected {
  digest: string;
  pushSeq: number;
  object: { sha256: string; size: number };
  retention?: { mode: RetentionMode; retainUntil: Date };
  legalHold: boolean;
  holdSeq: number;
}

export async function verifyLocker(backend: LockerBackend, options: LockerVerifyOptions): Promise<Report> {
  const checks: Check[] = [];
  if (!backend.worm) {
    const what = backend.locks ? 'lock state is as recorded, not enforced' : 'it keeps no lock state (no Object Lock)';
    checks.push({ id: 'locker.worm', status: 'info', code: 'NO_WORM', message: `${backend.description} gives no WORM guarantee: ${what}` });
  }
  const ledger = await readLedger(backend);
  checkChain(ledger, checks);
  await checkTimestamps(backend, ledger, options.tsa, checks);
  const expected = expectations(ledger, checks);

  // The entries themselves, never their packs; then every pack is checked against them.
  const index = await listEntries(backend, {}, { packs: false });
  const indexByDigest = new Map<string, IndexEntry>();
  for (const item of index) {
    if (item.entry === undefined) checks.push(fail('locker.index', 'INDEX_ENTRY_INVALID', `index entry ${item.key} is unreadable: ${item.problem ?? 'invalid'}`, { subject: item.key }));
    else indexByDigest.set(item.entry.digest, item.entry);
  }
  await checkIndexPacks(backend, index, checks);
  const packets = await mapLimited([...expected.values()], 2, (want) => checkPacket(backend, want, indexByDigest.get(want.digest), options));
  for (const result of packets) checks.push(...result);
  for (const [digest] of indexByDigest) {
    if (!expected.has(digest)) {
      checks.push(fail('locker.index', 'INDEX_NOT_IN_LEDGER', `packet ${digest} is indexed but no ledger entry records its push (a ledger entry was deleted, or the index was written outside the locker)`, { subject: digest }));
    }
  }
  for await (const item of backend.list(PACKETS_PREFIX)) {
    const digest = /^packets\/sha256\/([0-9a-f]{64})\.packet\.tar$/.exec(item.key)?.[1];
    if (digest === undefined || !expected.has(digest)) {
      checks.push({ id: 'locker.packet', status: 'warn', code: 'ORPHAN_OBJECT', message: `${item.key} is not recorded in the ledger (an interrupted push; pushing the packet again completes it)`, subject: item.key });
    }
  }
  return makeReport({
    command: 'locker verify',
    subject: backend.description,
    evaluatedAt: formatRfc3339(options.now),
    checks,
    facts: { ledgerEntries: ledger.length, packets: expected.size, indexEntries: index.length, worm: backend.worm },
  });
}

/** A pack that holds other bytes for an entry than the entry has (list could show them in a folder). */
async function checkIndexPacks(backend: LockerBackend, index: ListedEntry[], checks: Check[]): Promise<void> {
  const packs: StoredObject[] = [];
  for await (const item of backend.list(INDEX_PREFIX)) if (parseIndexPackKey(item.key) !== undefined) packs.push(item);
  if (packs.length === 0) return;
  const held = await readIndexPacks(backend, packs);
  const byKey = new Map(index.map((item) => [item.key, item.entry]));
  let mismatches = 0;
  for (const [key, bodies] of held) {
    const entry = byKey.get(key);
    if (entry === undefined) continue;
    for (const body of bodies) {
      const packed = entryFromBytes(key, body.text).entry;
      if (packed !== undefined && canonicalize(packed) === canonicalize(entry)) continue;
      mismatches += 1;
      checks.push(fail('locker.index', 'INDEX_PACK_MISMATCH', `an index pack holds other bytes for ${key} than the entry itself (a pack or the entry was changed)`, { subject: key }));
    }
  }
  if (mismatches === 0) checks.push(pass('locker.index', `${packs.length} index packs agree with their entries`, { data: { packs: packs.length } }));
}

/** Every entry names the digest of the one before; numbers run 1..N without a hole. */
function checkChain(ledger: LedgerRecord[], checks: Check[]): void {
  let broken = false;
  let previous: LedgerRecord | undefined;
  for (const record of ledger) {
    const at = { subject: record.key, data: { seq: record.seq } };
    const expectedSeq = (previous?.seq ?? 0) + 1;
    if (record.seq !== expectedSeq) {
      broken = true;
      const gap = record.seq - expectedSeq === 1 ? `entry ${expectedSeq} is missing` : `entries ${expectedSeq} to ${record.seq - 1} are missing`;
      checks.push(fail('ledger.chain', 'LEDGER_GAP', `the ledger has a gap starting at entry ${expectedSeq}: ${gap}`, { ...at, data: { seq: expectedSeq } }));
    }
    if (record.entry === undefined) {
      broken = true;
      checks.push(fail('ledger.entry', 'LEDGER_ENTRY_INVALID', `ledger entry ${record.seq} is not a valid entry: ${record.problem ?? 'invalid'}`, at));
    } else if (record.entry.seq !== record.seq) {
      broken = true;
      checks.push(fail('ledger.entry', 'LEDGER_SEQ_MISMATCH', `ledger entry ${record.seq} says it is entry ${record.entry.seq}`, at));
    } else if (record.seq === 1 && record.entry.previous !== null) {
      broken = true;
      checks.push(fail('ledger.chain', 'LEDGER_LINK_BROKEN', 'ledger entry 1 names a previous entry: the start of the ledger is missing', at));
    } else if (previous !== undefined && record.seq === expectedSeq && record.entry.previous !== previous.digest) {
      broken = true;
      checks.push(
        fail('ledger.chain', 'LEDGER_LINK_BROKEN', `the chain breaks at entry ${previous.seq}: entry ${record.seq} names ${record.entry.previous ?? 'none'} as its previous entry, but entry ${previous.seq} hashes to ${previous.digest} (entry ${previous.seq} was replaced)`, {
          ...at,
          data: { seq: previous.seq },
        }),
      );
    }
    previous = record;
  }
  if (!broken) checks.push(pass('ledger.chain', ledger.length === 0 ? 'the ledger is empty' : `${ledger.length} ledger entries, every link holds`, { data: { entries: ledger.length } }));
}

/** RFC 3161 time-stamps of the ledger entries (ledger/<seq>.tsr), against the verifier's TSA roots. */
async function checkTimestamps(backend: LockerBackend, ledger: LedgerRecord[], tsa: TrustedTsa[] | undefined, checks: Check[]): Promise<void> {
  const MAX_TIMESTAMP_BYTES = 1024 * 1024; // as the timestamp module bounds a TimeStampResp
  let stamped = 0;
  let failed = false;
  for (const record of ledger) {
    const token = await backend.getBytes(ledgerTimestampKey(record.seq), MAX_TIMESTAMP_BYTES);
    if (token === undefined) {
      if (tsa !== undefined) {
        failed = true;
        checks.push(fail('ledger.timestamp', 'LEDGER_NOT_TIMESTAMPED', `ledger entry ${record.seq} has no time-stamp`, { subject: record.key, data: { seq: record.seq } }));
      }
      continue;
    }
    stamped += 1;
    if (tsa === undefined) continue;
    // The ASN.1 machinery loads only when there is something to check.
    const { verifyTimeStamp } = await import('../timestamp/verify.js');
    const result = verifyTimeStamp(token, record.bytes, tsa);
    if (!result.ok) {
      failed = true;
      checks.push(fail('ledger.timestamp', 'LEDGER_TIMESTAMP_INVALID', `the time-stamp of ledger entry ${record.seq} does not check out: ${result.message}`, { subject: record.key, data: { seq: record.seq, reason: result.code } }));
    }
  }
  if (tsa === undefined) {
    if (stamped > 0) checks.push({ id: 'ledger.timestamp', status: 'skip', code: 'NO_TSA_ROOT', message: `${stamped} ledger time-stamps not checked: no TSA root given`, hint: 'pass --tsa-ca FILE with the TSA root you trust' });
  } else if (!failed) {
    checks.push(pass('ledger.timestamp', `all ${ledger.length} ledger entries carry a valid time-stamp from a trusted TSA`));
  }
}

/** What the ledger says each packet must be: its bytes, the strongest retention, its hold state. */
function expectations(ledger: LedgerRecord[], checks: Check[]): Map<string, Expected> {
  const packets = new Map<string, Expected>();
  for (const { entry, seq } of ledger) {
    if (entry === undefined) continue;
    const known = packets.get(entry.packet);
    if (entry.action === 'push') {
      if (known !== undefined) {
        if (known.object.sha256 !== entry.object?.sha256) checks.push(fail('ledger.entry', 'LEDGER_CONFLICT', `ledger entry ${seq} records other bytes for packet ${entry.packet} than entry ${known.pushSeq}`, { subject: entry.packet }));
        continue;
      }
      const retention = entry.retention === undefined ? undefined : { mode: entry.retention.mode, retainUntil: new Date(entry.retention.retainUntil) };
      packets.set(entry.packet, { digest: entry.packet, pushSeq: seq, object: entry.object as Expected['object'], legalHold: entry.legalHold === true, holdSeq: seq, ...(retention === undefined ? {} : { retention }) });
      continue;
    }
    if (known === undefined) {
      checks.push(fail('ledger.entry', 'LEDGER_BEFORE_PUSH', `ledger entry ${seq} (${entry.action}) is about packet ${entry.packet}, which no earlier entry pushed`, { subject: entry.packet, data: { seq } }));
      continue;
    }
    if (entry.action === 'hold' || entry.action === 'release') {
      known.legalHold = entry.action === 'hold';
      known.holdSeq = seq;
    } else if (entry.retention !== undefined) {
      known.retention = { mode: entry.retention.mode, retainUntil: new Date(entry.retention.retainUntil) };
    }
  }
  return packets;
}

async function checkPacket(backend: LockerBackend, want: Expected, entry: IndexEntry | undefined, options: LockerVerifyOptions): Promise<Check[]> {
  const key = packetKey(want.digest);
  const subject = want.digest;
  const checks: Check[] = [];
  const stream = await backend.getStream(key);
  if (stream === undefined) {
    return [fail('locker.packet', 'PACKET_MISSING', `packet ${want.digest} (pushed in ledger entry ${want.pushSeq}) is missing from the locker`, { subject, data: { seq: want.pushSeq } })];
  }
  if (options.onProgress !== undefined) stream.on('data', (chunk: Buffer) => options.onProgress?.(chunk.length));
  const got = await hashStream(stream);
  if (got.sha256 !== want.object.sha256 || got.size !== want.object.size) {
    checks.push(fail('locker.packet', 'HASH_MISMATCH', `packet ${want.digest} has changed: its bytes hash to ${got.sha256} (${got.size} bytes), ledger entry ${want.pushSeq} recorded ${want.object.sha256} (${want.object.size} bytes)`, { subject }));
  } else if (backend instanceof FolderBackend) {
    // Offline, the packet is a local file: check the digest it carries as well.
    const reading = await readPacket(backend.path(key));
    if (reading.digest !== want.digest || !reading.intact) checks.push(fail('locker.packet', 'PACKET_DIGEST_MISMATCH', `the packet stored as ${want.digest} carries digest ${reading.digest ?? 'none'}${reading.intact ? '' : ' and fails its integrity checks'}`, { subject }));
    else checks.push(pass('locker.packet', `packet ${want.digest} is intact and hashes to what was pushed`, { subject }));
  } else {
    checks.push(pass('locker.packet', `packet ${want.digest} hashes to what was pushed`, { subject }));
  }
  if (entry === undefined) checks.push(fail('locker.index', 'INDEX_MISSING', `packet ${want.digest} has no index entry`, { subject }));
  else if (entry.object.sha256 !== want.object.sha256) checks.push(fail('locker.index', 'INDEX_MISMATCH', `the index entry of packet ${want.digest} records other bytes than the ledger`, { subject }));
  if (backend.locks) checks.push(...checkLock(await backend.getLock(key), want, subject));
  return checks;
}

function checkLock(lock: LockState, want: Expected, subject: string): Check[] {
  const checks: Check[] = [];
  if (want.retention !== undefined && !covers(lock, want.retention)) {
    checks.push(fail('locker.lock', 'RETENTION_MISMATCH', `packet ${want.digest} should be ${want.retention.mode} until ${formatRfc3339(want.retention.retainUntil)}; the store says ${describeLock(lock)}`, { subject }));
  }
  if (lock.legalHold !== want.legalHold) {
    checks.push(fail('locker.lock', 'LEGAL_HOLD_MISMATCH', `packet ${want.digest} should have legal hold ${want.legalHold ? 'ON' : 'OFF'} (ledger entry ${want.holdSeq}); the store says ${lock.legalHold ? 'ON' : 'OFF'}`, { subject }));
  }
  if (checks.length === 0) checks.push(pass('locker.lock', `packet ${want.digest}: ${describeLock(lock)}, as the ledger says`, { subject }));
  return checks;
}
