/**
 * Finding packets: list index entries (filters on tenant and time use the key names alone), and
 * resolve a digest to its index entry.
 */
import type { LockerBackend } from './backend.js';
import { MAX_INDEX_ENTRY_BYTES, parseIndexEntry, type IndexEntry } from './index-entry.js';
import { INDEX_PREFIX, parseIndexKey } from './layout.js';

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

export async function listEntries(backend: LockerBackend, filter: ListFilter = {}): Promise<ListedEntry[]> {
  const prefix = filter.tenant === undefined ? INDEX_PREFIX : `${INDEX_PREFIX}${filter.tenant}/`;
  const keys: string[] = [];
  for await (const item of backend.list(prefix)) {
    const parts = parseIndexKey(item.key);
    if (parts === undefined) continue;
    if (filter.since !== undefined && parts.created.getTime() < filter.since.getTime()) continue;
    if (filter.until !== undefined && parts.created.getTime() >= filter.until.getTime()) continue;
    keys.push(item.key);
  }
  const listed = await mapLimited(keys, READ_CONCURRENCY, async (key): Promise<ListedEntry> => {
    const bytes = await backend.getBytes(key, MAX_INDEX_ENTRY_BYTES);
    if (bytes === undefined) return { key, problem: 'vanished while listing' };
    const parsed = parseIndexEntry(bytes);
    if ('problem' in parsed) return { key, problem: parsed.problem };
    const parts = parseIndexKey(key);
    if (parts?.digest !== parsed.digest || parts.tenant !== parsed.tenant) return { key, problem: 'the entry does not match its key' };
    return { key, entry: parsed };
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

export async function mapLimited<T, R>(items: readonly T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index] as T);
    }
  });
  await Promise.all(workers);
  return results;
}
