/**
 * A minimal ustar codec for building tampered packets: it keeps every header byte it read, so a
 * variant can change exactly one field (or one data byte) and nothing else.
 */
const BLOCK = 512;

export interface TarEntry {
  /** The 512-byte header as read (or made); fields are edited in place, then `fixChecksum`. */
  header: Buffer;
  data: Buffer;
}

export function parseTar(tar: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let at = 0;
  while (at + BLOCK <= tar.length) {
    const header = Buffer.from(tar.subarray(at, at + BLOCK));
    if (header.every((b) => b === 0)) break;
    const size = parseInt(header.subarray(124, 136).toString('latin1').replace(/\0.*$/, '').trim() || '0', 8);
    const data = Buffer.from(tar.subarray(at + BLOCK, at + BLOCK + size));
    entries.push({ header, data });
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
}

export function serializeTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(e.header, e.data, Buffer.alloc((BLOCK - (e.data.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

export function nameOf(entry: TarEntry): string {
  const raw = entry.header.subarray(0, 100);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? 100 : end).toString('utf8');
}

export function setName(entry: TarEntry, name: string): void {
  const bytes = Buffer.from(name, 'utf8');
  if (bytes.length > 100) throw new Error(`name too long for this codec: ${name}`);
  entry.header.fill(0, 0, 100);
  bytes.copy(entry.header, 0);
  entry.header.fill(0, 345, 500); // no ustar prefix
  fixChecksum(entry);
}

export function setOctal(entry: TarEntry, offset: number, length: number, value: number): void {
  entry.header.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'latin1');
}

/** Replace the data and keep the size field in step. */
export function setData(entry: TarEntry, data: Buffer): void {
  entry.data = data;
  setOctal(entry, 124, 12, data.length);
  fixChecksum(entry);
}

export function setTypeflag(entry: TarEntry, flag: string): void {
  entry.header[156] = flag.charCodeAt(0);
  fixChecksum(entry);
}

export function fixChecksum(entry: TarEntry): void {
  entry.header.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of entry.header) sum += b;
  entry.header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
}

export function cloneEntry(entry: TarEntry): TarEntry {
  return { header: Buffer.from(entry.header), data: Buffer.from(entry.data) };
}

/** A regular-file entry with the header fields the packet writer uses. */
export function makeEntry(name: string, data: Buffer, template: TarEntry): TarEntry {
  const entry = cloneEntry(template);
  entry.data = data;
  setOctal(entry, 124, 12, data.length);
  setTypeflag(entry, '0');
  setName(entry, name);
  return entry;
}
