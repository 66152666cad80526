/**
 * Finding packets: list index entries (filters on tenant and time use the key names alone; bodies
 * come from index packs where the listing shows they are the entries' bytes, see index-pack.ts),
 * and resolve a digest to its index entry.
 */
import type { LockerBackend, StoredObject } from './backend.js';
import { entryFromBytes, MAX_INDEX_ENTRY_BYTES, parseIndexEntry, type IndexEntry } from './index-entry.js';
import { packedBodies, packedBody, readIndexPack, type ReadPack } from './index-pack.js';
import { compactTime, INDEX_PREFIX, parseIndexKey, parseIndexPackKey, type IndexKeyParts } from './layout.js';
import { limiter, mapLimited } from './limit.js';

export { mapLimited } from './limit.js';

export interface ListFilter {
  tenant?: string;
  environment?: string;
  operation?: string;
  /** Packets created at or after this time. */
  since?: Date;
  /** Packets created before this time. */
  until?: Date;
}

export interface ListedEntry {
  key: string;
  entry?: IndexEntry;
  /** Why the entry could not be read, when it could not. */
  problem?: string;
}

const READ_CONCURRENCY = 16;

export interface ListOptions {
  /** Take entries from index packs where the listing shows they are the entries' bytes (default). */
  packs?: boolean;
}

export async function listEntries(backend: LockerBackend, filter: ListFilter = {}, options: ListOptions = {}): Promise<ListedEntry[]> {
  const usePacks = options.packs ?? true;
  const prefix = filter.tenant === undefined ? INDEX_PREFIX : `${INDEX_PREFIX}${filter.tenant}/`;
  // In one tenant's folder, entry keys sort by creation time (fixed-width compact time; its packs
  // sort after every entry), so the listing can start at `since`. The filter below still decides.
  const startAfter = filter.tenant !== undefined && filter.since !== undefined && Number.isFinite(filter.since.getTime()) ? `${prefix}${compactTime(filter.since)}` : undefined;
  const selected: { item: StoredObject; parts: IndexKeyParts }[] = [];
  // Each pack is read as soon as the listing shows it, while the listing goes on.
  const gate = limiter(READ_CONCURRENCY);
  const packs: Promise<ReadPack | undefined>[] = [];
  for await (const item of backend.list(prefix, usePacks, startAfter)) {
    const parts = parseIndexKey(item.key);
    if (parts === undefined) {
      if (usePacks && parseIndexPackKey(item.key) !== undefined) packs.push(gate(() => readIndexPack(backend, item)).catch(() => undefined));
      continue;
    }
    if (filter.since !== undefined && parts.created.getTime() < filter.since.getTime()) continue;
    if (filter.until !== undefined && parts.created.getTime() >= filter.until.getTime()) continue;
    selected.push({ item, parts });
  }
  const packed = packedBodies(await Promise.all(packs));
  const listed = await mapLimited(selected, READ_CONCURRENCY, async ({ item, parts }): Promise<ListedEntry> => {
    const bytes = packedBody(item, packed.get(item.key)) ?? (await backend.getBytes(item.key, MAX_INDEX_ENTRY_BYTES));
    if (bytes === undefined) return { key: item.key, problem: 'vanished while listing' };
    return { key: item.key, ...entryFromBytes(item.key, bytes, parts) };
  });
  return listed.filter(({ entry }) => {
    if (entry === undefined) return true;
    if (filter.environment !== undefined && entry.environment !== filter.environment) return false;
    if (filter.operation !== undefined && entry.operation !== filter.operation) return false;
    return true;
  });
}

/** The index entry of a packet digest, wherever its tenant and time put it. */
export async function findEntry(backend: LockerBackend, digest: string): Promise<ListedEntry | undefined> {
  const suffix = `-${digest}.json`;
  for await (const item of backend.list(INDEX_PREFIX)) {
    if (!item.key.endsWith(suffix)) continue;
    const bytes = await backend.getBytes(item.key, MAX_INDEX_ENTRY_BYTES);
    if (bytes === undefined) continue;
    const parsed = parseIndexEntry(bytes);
    return 'problem' in parsed ? { key: item.key, problem: parsed.problem } : { key: item.key, entry: parsed };
  }
  return undefined;
}
