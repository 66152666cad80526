/**
 * One layout for every backend (docs/locker.md):
 *
 *   packets/sha256/<digest>.packet.tar         the packet, stored once, never overwritten
 *   index/<tenant>/<created>-<digest>.json     one index entry per packet (list without downloads)
 *   index/<tenant>/packs/<n>-<sha256>.json     n index entries' bytes in one object (index-pack.ts)
 *   ledger/<seq>.json                          the hash-linked chain of custody, append-only
 *   ledger/<seq>.tsr                           its RFC 3161 time-stamp, when the locker has a TSA
 *
 * `<digest>` is the packet digest (SHA-256 of manifest.sha256); `<created>` is the packet's
 * creation time as YYYYMMDDTHHMMSSZ, so keys sort by tenant, then time; `<tenant>` is `_` for a
 * packet that names none; `<seq>` is 12 zero-padded decimal digits so keys sort in chain order.
 */
export const PACKETS_PREFIX = 'packets/sha256/';
export const INDEX_PREFIX = 'index/';
export const LEDGER_PREFIX = 'ledger/';
export const NO_TENANT = '_';

const DIGEST = /^[0-9a-f]{64}$/;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const COMPACT_TIME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const SEQ_WIDTH = 12;

export function isDigest(text: string): boolean {
  return DIGEST.test(text);
}

export function isLabel(text: string): boolean {
  return LABEL.test(text);
}

export function packetKey(digest: string): string {
  if (!isDigest(digest)) throw new Error(`not a SHA-256 digest: ${JSON.stringify(digest)}`);
  return `${PACKETS_PREFIX}${digest}.packet.tar`;
}

export function compactTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

export function indexKey(tenant: string | undefined, created: Date, digest: string): string {
  const folder = tenant === undefined ? NO_TENANT : tenant;
  if (folder !== NO_TENANT && !isLabel(folder)) throw new Error(`not a tenant label: ${JSON.stringify(tenant)}`);
  return `${INDEX_PREFIX}${folder}/${compactTime(created)}-${digest}.json`;
}

export interface IndexKeyParts {
  tenant: string | undefined;
  created: Date;
  digest: string;
}

/** The parts of an index key, or undefined for any key that is not exactly one. */
export function parseIndexKey(key: string): IndexKeyParts | undefined {
  if (!key.startsWith(INDEX_PREFIX) || !key.endsWith('.json')) return undefined;
  const parts = key.slice(INDEX_PREFIX.length, -'.json'.length).split('/');
  if (parts.length !== 2) return undefined;
  const [folder, name] = parts as [string, string];
  if (folder !== NO_TENANT && !isLabel(folder)) return undefined;
  const dash = name.indexOf('-');
  const time = COMPACT_TIME.exec(name.slice(0, dash));
  const digest = name.slice(dash + 1);
  if (time === null || !isDigest(digest)) return undefined;
  // From its fields (10,000 keys: parsing an RFC 3339 string again cost more than the rest); a
  // field out of range (month 13, 25 o'clock) would roll over, so the date must give it back.
  const [year, month, day, hour, minute, second] = (time.slice(1, 7) as string[]).map(Number) as [number, number, number, number, number, number];
  const created = new Date(0);
  created.setUTCFullYear(year, month - 1, day);
  created.setUTCHours(hour, minute, second);
  if (created.getUTCFullYear() !== year || created.getUTCMonth() !== month - 1 || created.getUTCDate() !== day || created.getUTCHours() !== hour || created.getUTCMinutes() !== minute || created.getUTCSeconds() !== second) return undefined;
  return { tenant: folder === NO_TENANT ? undefined : folder, created, digest };
}

/** An index pack of `count` entries of a tenant folder, named by the SHA-256 of its bytes. */
export function indexPackKey(folder: string, count: number, sha256: string): string {
  if (folder !== NO_TENANT && !isLabel(folder)) throw new Error(`not a tenant label: ${JSON.stringify(folder)}`);
  return `${INDEX_PREFIX}${folder}/packs/${count}-${sha256}.json`;
}

export interface IndexPackKeyParts {
  folder: string;
  count: number;
  sha256: string;
}

export function parseIndexPackKey(key: string): IndexPackKeyParts | undefined {
  const match = /^index\/([a-z0-9-]{1,63}|_)\/packs\/([1-9]\d{0,5})-([0-9a-f]{64})\.json$/.exec(key);
  if (match === null || (match[1] !== NO_TENANT && !isLabel(match[1] as string))) return undefined;
  return { folder: match[1] as string, count: Number(match[2]), sha256: match[3] as string };
}

export function ledgerKey(seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 1) throw new Error(`bad ledger sequence number ${seq}`);
  return `${LEDGER_PREFIX}${String(seq).padStart(SEQ_WIDTH, '0')}.json`;
}

/** The RFC 3161 time-stamp of a ledger entry, kept beside it. */
export function ledgerTimestampKey(seq: number): string {
  return ledgerKey(seq).replace(/\.json$/, '.tsr');
}

/** The sequence number of a ledger key, or undefined for any other key. */
export function parseLedgerKey(key: string): number | undefined {
  const match = /^ledger\/(\d{12})\.json$/.exec(key);
  if (match === null) return undefined;
  const seq = Number(match[1]);
  return seq >= 1 ? seq : undefined;
}
