/**
 * Pull: bring a packet back and prove it is the one that went in. The bytes are hashed as they
 * arrive and must equal the SHA-256 recorded at push time (whatever checksum headers the store
 * does or does not support); the packet read from them must carry the digest that was asked for
 * and pass its integrity checks. One pass: each entry's content is hashed as it arrives too, and
 * the integrity check reads only headers and small files back from the written file.
 * `pullAll` mirrors a whole locker into a folder, lock state included, for offline verification.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { openAtomic, refuseExisting, type AtomicFile } from '../core/atomic.js';
import { inputError } from '../core/errors.js';
import { readPacket } from '../packet/reader.js';
import type { LockerBackend } from './backend.js';
import { findEntry } from './catalog.js';
import { FolderBackend } from './folder.js';
import type { ObjectDigest } from './hashing.js';
import { onInterrupt } from './interrupt.js';
import { packetKey, PACKETS_PREFIX } from './layout.js';
import { downloadHashed } from './download-hashing.js';

const MAX_SMALL_OBJECT_BYTES = 64 * 1024;

export interface PullResult {
  digest: string;
  out: string;
  object: ObjectDigest;
}

/**
 * Pull one packet to `out`. A file already there is never replaced unless `force` (OUTPUT_EXISTS,
 * checked first and again, atomically, when the pulled packet is put in place).
 */
/** `onProgress`: bytes received since the last call, and the packet's size once its index entry is read. */
export async function pullPacket(backend: LockerBackend, digest: string, out: string, onProgress?: (bytes: number, total?: number) => void, options: { force?: boolean } = {}): Promise<PullResult> {
  const force = options.force === true;
  await refuseExisting(out, force, out, 'name a new file with --out, or pass --force to replace it');
  // The index entry is looked up while the download starts (finding it lists the index): the
  // bytes are judged against it as soon as it is known, and once more at the end.
  const finding = findEntry(backend, digest).then((found) => {
    if (found === undefined) throw inputError('LOCKER_NOT_FOUND', `the locker has no index entry for packet ${digest}`, { hint: 'run `packet locker list` to see what it holds' });
    if (found.entry === undefined) throw inputError('LOCKER_BAD_INDEX_ENTRY', `index entry ${found.key} is unreadable: ${found.problem ?? 'invalid'}`);
    return found.entry.object;
  });
  // Awaited below on every path; a failure meanwhile is not unhandled.
  finding.catch(() => undefined);
  const key = packetKey(digest);
  const stream = await backend.getStream(key);
  if (stream === undefined) {
    await finding;
    throw inputError('LOCKER_OBJECT_MISSING', `packet ${digest} is indexed but its object ${key} is missing`, { hint: 'run `packet locker verify`: the locker has lost evidence' });
  }
  let expected: ObjectDigest | undefined;
  let received = 0;
  const tooLong = (size: number) => digestMismatch(digest, `more than the ${size} bytes recorded at push`);
  // Why the download was cut short from outside its loop (the stream is destroyed without an
  // error: nobody may be listening for one yet).
  let refusal: Error | undefined;
  const refuse = (error: Error): void => {
    refusal ??= error;
    stream.destroy();
  };
  finding.then((object) => {
    expected = object;
    if (received > object.size) refuse(tooLong(object.size));
  }, refuse);

  let file: AtomicFile;
  try {
    await mkdir(dirname(out), { recursive: true });
    file = await openAtomic(out, { mode: 0o644, replace: force });
  } catch (error) {
    stream.destroy();
    throw error;
  }
  const done = onInterrupt(() => file.abort());
  try {
    // One read of the bytes: the packet's entries are hashed as they arrive too (on another
    // core where there is one), so checking its integrity below does not read them again.
    const onChunk = (chunk: Buffer): void => {
      received += chunk.length;
      if (expected !== undefined && received > expected.size) throw tooLong(expected.size);
      onProgress?.(chunk.length, expected?.size);
    };
    const { object, entries } = await downloadHashed(stream, file.handle, { onChunk, path: file.tempPath }).catch((error: unknown) => {
      throw refusal ?? error;
    });
    const { sha256, size } = object;
    expected = await finding;
    if (sha256 !== expected.sha256 || size !== expected.size) {
      throw digestMismatch(digest, `got sha256 ${sha256} (${size} bytes), recorded ${expected.sha256} (${expected.size} bytes)`);
    }
    await file.handle.sync();
    const reading = await readPacket(file.tempPath, { contentDigests: entries });
    if (reading.digest !== digest) throw digestMismatch(digest, `the packet inside has digest ${reading.digest ?? 'none'}`);
    // Bytes that hash to what the index records can still fail integrity, if the index entry was
    // rewritten along with the object (a folder has no WORM guarantee).
    if (!reading.intact) throw digestMismatch(digest, 'the packet inside fails its integrity checks');
    await file.commit();
    return { digest, out, object: { sha256, size } };
  } finally {
    done();
    await file.abort();
  }
}

function digestMismatch(digest: string, detail: string) {
  return inputError('LOCKER_PULL_DIGEST_MISMATCH', `the bytes pulled for packet ${digest} are not the ones pushed: ${detail}`, {
    hint: 'nothing was written; the stored object is damaged or replaced: run `packet locker verify`',
  });
}

export interface MirrorResult {
  objects: number;
  bytes: number;
  skipped: number;
}

/** Copy every object of the locker, with its lock state, into a folder locker at `dir`. */
export async function pullAll(backend: LockerBackend, dir: string, onProgress?: (bytes: number) => void): Promise<MirrorResult> {
  const mirror = new FolderBackend(dir);
  await mirror.open();
  const result: MirrorResult = { objects: 0, bytes: 0, skipped: 0 };
  for await (const listed of backend.list('')) {
    if (!/^(packets|index|ledger)\//.test(listed.key)) continue;
    const item = listed.size === undefined ? await backend.head(listed.key) : { key: listed.key, size: listed.size };
    if (item === undefined) continue;
    const have = await mirror.head(item.key);
    if (have !== undefined && have.size === item.size) {
      result.skipped += 1;
    } else if (have !== undefined) {
      throw inputError('LOCKER_MIRROR_DIFFERS', `the mirror's ${item.key} differs in size from the locker's`, { hint: 'mirror into a new folder' });
    } else if (item.key.startsWith(PACKETS_PREFIX)) {
      const stream = await backend.getStream(item.key);
      if (stream === undefined) continue;
      await mirror.putStream(item.key, stream, onProgress);
    } else {
      if (item.size > MAX_SMALL_OBJECT_BYTES) continue;
      const bytes = await backend.getBytes(item.key, MAX_SMALL_OBJECT_BYTES);
      if (bytes === undefined) continue;
      await mirror.putBytes(item.key, bytes);
      onProgress?.(bytes.length);
    }
    const lock = backend.locks ? await backend.getLock(item.key) : { legalHold: false };
    if ('mode' in lock && lock.mode !== undefined && lock.retainUntil !== undefined) await mirror.setRetention(item.key, lock.mode, lock.retainUntil);
    await mirror.setLegalHold(item.key, lock.legalHold);
    result.objects += 1;
    result.bytes += item.size;
  }
  return result;
}
