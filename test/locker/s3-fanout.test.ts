import { describe, expect, it } from 'vitest';
import { listSideBySide, type PageReader } from '../../src/locker/s3-fanout.js';
import type { ListingPage } from '../../src/locker/s3-listing.js';

/**
 * The side-by-side listing against a flat listing of the same keys: an in-memory store that pages
 * like S3 (sorted by UTF-8 bytes, `pageSize` entries a page, a delimiter rolling keys up into
 * common prefixes), with the requests it was asked counted.
 */
function store(keys: string[], pageSize = 3): { read: PageReader; requests: { prefix: string; delimited: boolean }[]; inFlight: { now: number; most: number } } {
  const sorted = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const requests: { prefix: string; delimited: boolean }[] = [];
  const inFlight = { now: 0, most: 0 };
  const read: PageReader = async (prefix, token, delimited) => {
    requests.push({ prefix, delimited });
    inFlight.now += 1;
    inFlight.most = Math.max(inFlight.most, inFlight.now);
    await new Promise((resolve) => setTimeout(resolve, 1));
    inFlight.now -= 1;
    // Entries of the listing: keys, or common prefixes standing for the keys below them.
    const entries: { key?: string; prefix?: string }[] = [];
    for (const key of sorted.filter((k) => k.startsWith(prefix))) {
      const slash = delimited ? key.indexOf('/', prefix.length) : -1;
      if (slash === -1) entries.push({ key });
      else if (entries.at(-1)?.prefix !== key.slice(0, slash + 1)) entries.push({ prefix: key.slice(0, slash + 1) });
    }
    const from = token === undefined ? 0 : Number(token);
    const page = entries.slice(from, from + pageSize);
    const truncated = from + pageSize < entries.length;
    const answer: ListingPage = {
      items: page.flatMap((entry) => (entry.key === undefined ? [] : [{ key: entry.key, size: 1 }])),
      prefixes: page.flatMap((entry) => (entry.prefix === undefined ? [] : [entry.prefix])),
      truncated,
      ...(truncated ? { token: String(from + pageSize) } : {}),
    };
    return answer;
  };
  return { read, requests, inFlight };
}

async function keysOf(items: AsyncIterable<{ key: string }>): Promise<string[]> {
  const keys: string[] = [];
  for await (const item of items) keys.push(item.key);
  return keys;
}

const KEYS = [
  'index/a.json', // a key of the folder itself, before the folder a/ ('.' < '/')
  ...Array.from({ length: 7 }, (_, i) => `index/a/${i}.json`),
  'index/a/packs/7-x.json',
  'index/b-c.json',
  ...Array.from({ length: 5 }, (_, i) => `index/b/${i}.json`),
  'index/caf\u00e9/1.json', // UTF-8 bytes sort it after every ASCII name
  'index/z/1.json',
  ...Array.from({ length: 4 }, (_, t) => `index/t${t}/1.json`),
  'other/x.json',
];

describe('listing a folder with its subfolders side by side', () => {
  it('gives the keys of a flat listing, in its order', async () => {
    const { read, requests } = store(KEYS);
    const flat = KEYS.filter((k) => k.startsWith('index/')).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(await keysOf(listSideBySide(read, 'index/'))).toEqual(flat);
    // The folder with a delimiter (several pages), each subfolder without one.
    expect(requests.filter((r) => r.delimited).every((r) => r.prefix === 'index/')).toBe(true);
    expect(new Set(requests.filter((r) => !r.delimited).map((r) => r.prefix))).toEqual(new Set(['index/a/', 'index/b/', 'index/caf\u00e9/', 'index/z/', 'index/t0/', 'index/t1/', 'index/t2/', 'index/t3/']));
  });

  it('lists at most the given number of subfolders at once', async () => {
    const keys = Array.from({ length: 12 }, (_, t) => `index/t${String(t).padStart(2, '0')}/1.json`);
    const { read, inFlight } = store(keys, 100);
    expect(await keysOf(listSideBySide(read, 'index/', 3))).toEqual(keys);
    expect(inFlight.most).toBe(3);
  });

  it('stops listing once the caller stops', async () => {
    const keys = Array.from({ length: 40 }, (_, t) => `index/t${String(t).padStart(2, '0')}/${t}.json`);
    const { read, requests } = store(keys, 100);
    for await (const item of listSideBySide(read, 'index/', 2)) {
      expect(item.key).toBe('index/t00/0.json');
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The folder, and the few subfolders started before the caller stopped; not all forty.
    expect(requests.length).toBeLessThan(10);
  });

  it('ends with the error of a subfolder that cannot be listed', async () => {
    const { read } = store(KEYS);
    const failing: PageReader = (prefix, token, delimited) => (prefix === 'index/b/' ? Promise.reject(new Error('store down')) : read(prefix, token, delimited));
    await expect(keysOf(listSideBySide(failing, 'index/'))).rejects.toThrow('store down');
  });
});
