/**
 * Listing a folder of subfolders (the index: one per tenant) with the subfolders listed side by
 * side. ListObjectsV2 answers a page at a time and each page names the next, so a flat listing of
 * 10,000 keys is ten round trips one after another, with the store idle while a page is read here
 * and this process idle while the store makes the next. Listed with a delimiter first, the folder
 * gives its own keys and its subfolders, whose listings then run together. The keys come out in
 * the order of a flat listing: the folder's own keys and each subfolder's keys, merged by key
 * (S3 orders keys by their UTF-8 bytes, as the packet format orders paths).
 */
import { compareByBytes } from '../packet/format.js';
import { limiter } from './limit.js';
import type { ListingItem, ListingPage } from './s3-listing.js';

/** One page of the listing of `prefix`, from `token`, with `/` as delimiter or without one. */
export type PageReader = (prefix: string, token: string | undefined, delimited: boolean) => Promise<ListingPage>;

/** Subfolder listings in flight at once. */
const CONCURRENCY = 8;

export async function* listSideBySide(readPage: PageReader, prefix: string, concurrency = CONCURRENCY): AsyncGenerator<ListingItem> {
  const gate = limiter(concurrency);
  let stopped = false;
  const listAll = async (folder: string): Promise<ListingItem[]> => {
    const items: ListingItem[] = [];
    let token: string | undefined;
    do {
      if (stopped) return items;
      const page = await readPage(folder, token, false);
      for (const item of page.items) items.push(item);
      token = page.truncated ? page.token : undefined;
    } while (token !== undefined);
    return items;
  };
  try {
    let token: string | undefined;
    do {
      const page = await readPage(prefix, token, true);
      const folders = page.prefixes.map((folder) => {
        const items = gate(() => listAll(folder));
        // Awaited below in order; one that fails after the caller stopped must not go unhandled.
        items.catch(() => undefined);
        return { folder, items };
      });
      let next = 0;
      for (const { folder, items } of folders) {
        while (next < page.items.length && compareByBytes((page.items[next] as ListingItem).key, folder) < 0) yield page.items[next++] as ListingItem;
        yield* await items;
      }
      while (next < page.items.length) yield page.items[next++] as ListingItem;
      token = page.truncated ? page.token : undefined;
    } while (token !== undefined);
  } finally {
    // The caller stopped early (or a listing failed): listings queued or paging stop.
    stopped = true;
  }
}

