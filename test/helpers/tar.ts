/**
 * A tiny tar writer for hostile archives. It writes raw POSIX ustar headers (IEEE Std 1003.1,
 * "pax Interchange Format" / ustar header block) by hand, so a test can make exactly the archive
 * a real tool would refuse to write: absolute paths, `..`, links, devices, fifos, duplicate
 * entries, declared sizes with no data behind them, bad checksums, pax path overrides, and
 * archives cut short.
 */

export const BLOCK = 512;

/** ustar type flags (the byte at offset 156). */
export const TarType = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  charDevice: '3',
  blockDevice: '4',
  directory: '5',
  fifo: '6',
  paxHeader: 'x',
  paxGlobal: 'g',
  gnuLongName: 'L',
} as const;
export type TarTypeFlag = (typeof TarType)[keyof typeof TarType] | string;

export interface TarEntrySpec {
  /** Stored in the 100-byte name field (UTF-8, cut at 100 bytes). */
  name: string;
  type?: TarTypeFlag;
  content?: Uint8Array | string;
  /** Declared size; defaults to the content length. May exceed the content (a lie). */
  size?: number | bigint;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  /** Stored in the 155-byte prefix field. */
  prefix?: string;
  /** Records for a pax extended header ('x') written just before this entry. */
  pax?: Record<string, string>;
  /** Write a wrong checksum into the header. */
  badChecksum?: boolean;
  /** Leave the ustar magic out (old v7 header). */
  noMagic?: boolean;
}

/** One 512-byte ustar header block. */
export function tarHeader(spec: TarEntrySpec, size: number | bigint): Buffer {
  const header = Buffer.alloc(BLOCK);
  writeString(header, spec.name, 0, 100);
  writeOctal(header, spec.mode ?? 0o644, 100, 8);
  writeOctal(header, spec.uid ?? 0, 108, 8);
  writeOctal(header, spec.gid ?? 0, 116, 8);
  writeSize(header, size);
  writeOctal(header, spec.mtime ?? 0, 136, 12);
  header.write((spec.type ?? TarType.file).slice(0, 1), 156, 'latin1');
  if (spec.linkname !== undefined) writeString(header, spec.linkname, 157, 100);
  if (spec.noMagic !== true) {
    header.write('ustar\u000000', 257, 'latin1');
  }
  writeOctal(header, 0, 329, 8);
  writeOctal(header, 0, 337, 8);
  if (spec.prefix !== undefined) writeString(header, spec.prefix, 345, 155);
  // The checksum is the sum of all header bytes with the checksum field itself read as spaces.
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  if (spec.badChecksum === true) sum += 1;
  header.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 'latin1');
  return header;
}

/** Header, content and padding to a block boundary; a pax header first when asked. */
export function tarEntry(spec: TarEntrySpec): Buffer {
  const content = typeof spec.content === 'string' ? Buffer.from(spec.content, 'utf8') : Buffer.from(spec.content ?? new Uint8Array());
  const parts: Buffer[] = [];
  if (spec.pax !== undefined) {
    const body = paxRecords(spec.pax);
    parts.push(tarHeader({ name: 'PaxHeader', type: TarType.paxHeader }, body.byteLength), padded(body));
  }
  parts.push(tarHeader(spec, spec.size ?? content.byteLength), padded(content));
  return Buffer.concat(parts);
}

/** A whole archive: the entries, then the two zero blocks that end it (unless `end: false`). */
export function buildTar(entries: readonly TarEntrySpec[], options: { end?: boolean } = {}): Buffer {
  const parts = entries.map(tarEntry);
  if (options.end !== false) parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

/** pax records: `<length> <key>=<value>\n`, where the length counts the whole record itself. */
export function paxRecords(records: Record<string, string>): Buffer {
  let text = '';
  for (const [key, value] of Object.entries(records)) {
    const body = ` ${key}=${value}\n`;
    const bodyBytes = Buffer.byteLength(body, 'utf8');
    let length = bodyBytes + String(bodyBytes).length;
    if (String(length).length !== String(bodyBytes).length) length = bodyBytes + String(length).length;
    text += `${length}${body}`;
  }
  return Buffer.from(text, 'utf8');
}

function padded(content: Buffer): Buffer {
  const rest = content.byteLength % BLOCK;
  return rest === 0 ? content : Buffer.concat([content, Buffer.alloc(BLOCK - rest)]);
}

function writeString(header: Buffer, value: string, offset: number, length: number): void {
  Buffer.from(value, 'utf8').subarray(0, length).copy(header, offset);
}

function writeOctal(header: Buffer, value: number, offset: number, length: number): void {
  header.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, 'latin1');
}

/** Sizes that fit 11 octal digits are octal; larger ones use the GNU base-256 form. */
function writeSize(header: Buffer, size: number | bigint): void {
  const big = BigInt(size);
  if (big < 8n ** 11n) {
    writeOctal(header, Number(big), 124, 12);
    return;
  }
  let rest = big;
  for (let i = 135; i > 124; i -= 1) {
    header[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  header[124] = 0x80;
}
