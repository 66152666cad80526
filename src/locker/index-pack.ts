/**
 * Index packs: the exact bytes of many index entries in one object, so that `list` reads a few
 * objects instead of one per packet. A pack is a checked cache, never a source of truth:
 *
 * - the listing of the index decides which entries exist; a packed entry whose key is no longer
 *   listed is ignored, and a listed entry that no pack holds is read on its own;
 * - a pack is named by the SHA-256 of its bytes (index/<tenant>/packs/<n>-<sha256>.json) and is
 *   ignored unless its bytes hash to its name and it parses in full;
 * - a packed body stands in for its entry only when the listing shows it is the entry's bytes: on
 *   S3 the entry's ETag (the MD5 of an object written in one PUT) equals the MD5 of the packed
 *   body; in a folder the file has the packed body's size and was last modified no later than the
 *   pack. Otherwise the entry itself is read. Either way the bytes go through the same parser.
 *
 * Packs are written only from entries read and parsed here, are never overwritten, and need no
 * lock of their own: a deleted or damaged pack only makes `list` read entries one by one.
 */
import { createHash } from 'node:crypto';
import { hashHex } from '../core/hash.js';
import type { LockerBackend, StoredObject } from './backend.js';
import { entryFromBytes, MAX_INDEX_ENTRY_BYTES } from './index-entry.js';
import { INDEX_PREFIX, indexPackKey, parseIndexKey, parseIndexPackKey } from './layout.js';
import { parseBoundedObject } from './json-object.js';
import { mapLimited } from './limit.js';

export const INDEX_PACK_FORMAT = 'evidence-packet/locker-index-pack/v1';
/** A pack holds at most this many entries and this many bytes. */
export const MAX_PACK_ENTRIES = 5000;
export const MAX_INDEX_PACK_BYTES = 16 * 1024 * 1024;
/** Push packs a tenant's entries once this many are not yet in a pack. */
export const PACK_AFTER_LOOSE_ENTRIES = 100;
const READ_CONCURRENCY = 16;

export interface PackedBody {
  /** The entry's bytes as the pack holds them: UTF-8 text (kept as a string, hashed and parsed as such). */
  text: string;
  /** Folder: the pack file's modification time (an entry modified later is not taken from it). */
  packModified?: number;
}

/** The entries held by the good packs among `packs` (listed with details), by entry key. */
export async function readIndexPacks(backend: LockerBackend, packs: readonly StoredObject[]): Promise<Map<string, PackedBody[]>> {
  return packedBodies(await mapLimited(packs, READ_CONCURRENCY, (item) => readIndexPack(backend, item)));
}

export interface ReadPack {
  entries: { key: string; body: string }[];
  packModified?: number;
}

/** One pack (listed with details), or undefined when it is unreadable, misnamed or damaged. */
export async function readIndexPack(backend: LockerBackend, item: StoredObject): Promise<ReadPack | undefined> {
  const name = parseIndexPackKey(item.key);
  if (name === undefined) return undefined;
  const bytes = await backend.getBytes(item.key, MAX_INDEX_PACK_BYTES).catch(() => undefined);
  if (bytes === undefined || createHash('sha256').update(bytes).digest('hex') !== name.sha256) return undefined;
  const entries = parsePack(bytes, `${INDEX_PREFIX}${name.folder}/`);
  return entries?.length === name.count ? { entries, ...(item.modified === undefined ? {} : { packModified: item.modified }) } : undefined;
}

/** The entries held by the packs read, by entry key. */
export function packedBodies(read: readonly (ReadPack | undefined)[]): Map<string, PackedBody[]> {
  const bodies = new Map<string, PackedBody[]>();
  for (const pack of read) {
    if (pack === undefined) continue;
    for (const { key, body } of pack.entries) {
      const packed: PackedBody = { text: body, ...(pack.packModified === undefined ? {} : { packModified: pack.packModified }) };
      const known = bodies.get(key);
      if (known === undefined) bodies.set(key, [packed]);
      else known.push(packed);
    }
  }
  return bodies;
}

/** The packed text whose bytes the listing shows are the entry's own, if any. */
export function packedBody(listed: StoredObject, candidates: readonly PackedBody[] | undefined): string | undefined {
  if (candidates === undefined) return undefined;
  for (const candidate of candidates) {
    if (listed.etag !== undefined) {
      if (hashHex('md5', candidate.text) === listed.etag) return candidate.text;
    } else if (listed.size !== undefined && listed.modified !== undefined && candidate.packModified !== undefined) {
      if (listed.size === Buffer.byteLength(candidate.text, 'utf8') && listed.modified <= candidate.packModified) return candidate.text;
    }
  }
  return undefined;
}

export interface CompactResult {
  /** Entries written into new packs. */
  packed: number;
  packs: string[];
}

/**
 * Pack the index entries of one tenant folder (`_` for packets without tenant) that no pack holds
 * yet, once there are at least `minimum` of them. Only entries that parse and match their key go
 * in; the others stay where `list` reports them.
 */
export async function compactIndex(backend: LockerBackend, folder: string, minimum = 1): Promise<CompactResult> {
  const prefix = `${INDEX_PREFIX}${folder}/`;
  const entries: StoredObject[] = [];
  const packs: StoredObject[] = [];
  let claimed = 0;
  for await (const item of backend.list(prefix, true)) {
    const pack = parseIndexPackKey(item.key);
    if (pack !== undefined && pack.folder === folder) {
      packs.push(item);
      claimed += pack.count;
    } else if (parseIndexKey(item.key) !== undefined) {
      entries.push(item);
    }
  }
  const result: CompactResult = { packed: 0, packs: [] };
  // Pack names count their entries: most pushes decide from the listing alone.
  if (entries.length - claimed < minimum) return result;
  const held = await readIndexPacks(backend, packs);
  const loose = entries.filter((item) => packedBody(item, held.get(item.key)) === undefined);
  if (loose.length < minimum) return result;
  const read = await mapLimited(loose, READ_CONCURRENCY, async (item) => {
    const bytes = await backend.getBytes(item.key, MAX_INDEX_ENTRY_BYTES);
    if (bytes === undefined || entryFromBytes(item.key, bytes).entry === undefined) return undefined;
    // A body is kept as text: only bytes that survive the round trip can be packed.
    const body = bytes.toString('utf8');
    return Buffer.from(body, 'utf8').equals(bytes) ? { key: item.key, body } : undefined;
  });
  let batch: { key: string; body: string }[] = [];
  let size = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const bytes = Buffer.from(`${JSON.stringify({ format: INDEX_PACK_FORMAT, entries: batch })}\n`, 'utf8');
    const key = indexPackKey(folder, batch.length, createHash('sha256').update(bytes).digest('hex'));
    // The same entries pack to the same bytes and name: a pack already there is that pack.
    await backend.putBytes(key, bytes);
    result.packed += batch.length;
    result.packs.push(key);
    batch = [];
    size = 0;
  };
  for (const item of read) {
    if (item === undefined) continue;
    const cost = Buffer.byteLength(item.body, 'utf8') * 2 + item.key.length + 64;
    if (batch.length >= MAX_PACK_ENTRIES || size + cost > MAX_INDEX_PACK_BYTES / 2) await flush();
    batch.push(item);
    size += cost;
  }
  await flush();
  return result;
}

/** The entries of a pack, or undefined when it is not exactly one. */
function parsePack(bytes: Buffer, prefix: string): { key: string; body: string }[] | undefined {
  const parsed = parseBoundedObject(bytes, MAX_INDEX_PACK_BYTES);
  if ('problem' in parsed || parsed.value.format !== INDEX_PACK_FORMAT || !Array.isArray(parsed.value.entries)) return undefined;
  const raw = parsed.value.entries as unknown[];
  if (raw.length === 0 || raw.length > MAX_PACK_ENTRIES) return undefined;
  const entries: { key: string; body: string }[] = [];
  for (const item of raw) {
    const { key, body } = (typeof item === 'object' && item !== null ? item : {}) as { key?: unknown; body?: unknown };
    if (typeof key !== 'string' || typeof body !== 'string' || !key.startsWith(prefix) || !key.endsWith('.json')) return undefined;
    // A key no listing shows is never looked up, so the listing's own key check is the one that counts.
    if (Buffer.byteLength(body, 'utf8') > MAX_INDEX_ENTRY_BYTES) return undefined;
    entries.push({ key, body });
  }
  return entries;
}
