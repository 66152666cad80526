import { open } from 'node:fs/promises';
import { ChunkReader, READ_CHUNK } from './chunks.js';
import { SourceError, type SourceEntry } from './source.js';

/**
 * A strict, streaming reader of POSIX ustar / pax (and GNU long-name) tar files. Written here
 * rather than taken from tar-stream because the verifier must reject what lenient readers
 * accept (bad checksums, malformed numbers and pax records, global headers, data after the end
 * marker) and must hash at the speed of reading: entry data is handed out as views of large
 * read-ahead buffers, never copied.
 */
export const BLOCK = 512;
export const MAX_EXTENDED_HEADER = 1 << 20;

export interface Header {
  name: string;
  typeflag: string;
  size: number;
  mtime: number;
}

/**
 * With `reuse`, entry chunks are valid only until the next one is requested (see ChunkReader).
 * `chunkSize` smaller than the default suits a pass that reads headers and jumps over contents.
 */
export async function* readTar(path: string, reuse = false, chunkSize = READ_CHUNK): AsyncGenerator<SourceEntry> {
  const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new SourceError('UNREADABLE', `the packet cannot be read (${error.code ?? error.message})`);
  });
  const reader = new ChunkReader(handle, reuse ? 2 : 0, chunkSize);
  try {
    let longName: string | undefined;
    let pax: Map<string, string> | undefined;
    for (;;) {
      const block = await reader.read(BLOCK, true); // a view: parsed before the next read
      if (block.length === 0 && longName === undefined && pax === undefined) {
        throw new SourceError('TAR_TRUNCATED', 'the tar archive ends without its end-of-archive marker');
      }
      if (block.length < BLOCK) throw new SourceError('TAR_TRUNCATED', 'the tar archive is truncated inside a header');
      if (isZero(block)) {
        if (pax !== undefined || longName !== undefined) throw new SourceError('TAR_CORRUPT', 'an extended header is not followed by its entry');
        await expectEnd(reader);
        return;
      }
      const header = parseHeader(block);
      const padded = Math.ceil(header.size / BLOCK) * BLOCK;
      if (header.typeflag === 'x' || header.typeflag === 'L') {
        if (header.size > MAX_EXTENDED_HEADER) throw new SourceError('TAR_CORRUPT', 'an extended header is larger than 1 MiB');
        const data = await reader.read(padded);
        if (data.length < padded) throw truncated();
        const body = data.subarray(0, header.size);
        if (header.typeflag === 'x') pax = checkPaxKeys(parsePax(body));
        else longName = decodeName(body.subarray(0, nulIndex(body)));
        continue;
      }
      if (header.typeflag === 'g') throw new SourceError('ENTRY_PAX_UNSUPPORTED', 'pax global headers are not allowed in a packet');
      if (header.typeflag === 'K') throw new SourceError('TAR_CORRUPT', 'GNU long link names are not allowed in a packet');
      const name = pax?.get('path') ?? longName ?? header.name;
      const size = pax?.has('size') === true ? parseDecimal(pax.get('size') as string, 'pax size') : header.size;
      pax = undefined;
      longName = undefined;
      const type = entryType(header.typeflag);
      // POSIX: no data follows links, devices, folders and FIFOs, whatever their size field says;
      // unknown types are read as regular files would be.
      const dataSize = type === 'file' || type === 'other' ? size : 0;
      let got = 0;
      const content = (async function* (): AsyncGenerator<Buffer> {
        if (type !== 'file') return;
        for await (const chunk of reader.take(size)) {
          got += chunk.length; // counted before the consumer sees it, so an early stop is exact
          yield chunk;
        }
        if (got < size) throw truncated();
      })();
      yield {
        path: name.startsWith('./') ? name.slice(2) : name,
        type,
        size: type === 'file' ? size : 0,
        mtime: new Date(header.mtime * 1000),
        content,
        dataOffset: reader.tell(),
      };
      // Whatever the consumer did not read is skipped, then the padding to the next block.
      const rest = Math.ceil(dataSize / BLOCK) * BLOCK - (type === 'file' ? got : 0);
      if ((await reader.skip(rest)) < rest) throw truncated();
    }
  } finally {
    await reader.settle();
    await handle.close();
  }
}

function truncated(): SourceError {
  return new SourceError('TAR_TRUNCATED', 'the tar archive is truncated');
}

/** After the first zero block: a second one, then only zero padding (GNU tar pads to 10 KiB records). */
async function expectEnd(reader: ChunkReader): Promise<void> {
  const second = await reader.read(BLOCK);
  if (second.length === BLOCK && !isZero(second)) throw new SourceError('ENTRY_AFTER_END', 'an entry follows a zero block (GNU tar stops reading there)');
  for await (const chunk of reader.take(Number.MAX_SAFE_INTEGER)) {
    if (!isZero(chunk)) throw new SourceError('ENTRY_AFTER_END', 'the tar archive has data after its end-of-archive marker');
  }
}

export function isZero(buffer: Buffer): boolean {
  for (let i = 0; i < buffer.length; i += 1) if (buffer[i] !== 0) return false;
  return true;
}

export function parseHeader(block: Buffer): Header {
  const stored = parseOctal(block, 148, 8, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i += 1) {
    const byte = i >= 148 && i < 156 ? 0x20 : (block[i] as number);
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  if (stored !== unsigned && stored !== signed) throw new SourceError('TAR_CORRUPT', 'a tar header has a bad checksum');
  const magic = block.subarray(257, 265).toString('latin1');
  const ustar = magic === 'ustar\u000000';
  if (!ustar && magic !== 'ustar  \u0000') throw new SourceError('TAR_CORRUPT', 'a tar header is not in ustar, pax or GNU format');
  let name = decodeName(field(block, 0, 100));
  if (ustar) {
    const prefix = field(block, 345, 155);
    if (prefix.length > 0) name = `${decodeName(prefix)}/${name}`;
  }
  const flag = block[156] === 0 ? '0' : String.fromCharCode(block[156] as number);
  return { name, typeflag: flag, size: parseSize(block), mtime: parseOctal(block, 136, 12, 'mtime') };
}

function field(block: Buffer, start: number, length: number): Buffer {
  const raw = block.subarray(start, start + length);
  return raw.subarray(0, nulIndex(raw));
}

function nulIndex(buffer: Buffer): number {
  const i = buffer.indexOf(0);
  return i === -1 ? buffer.length : i;
}

function decodeName(bytes: Buffer): string {
  // Invalid UTF-8 becomes U+FFFD, which the path rules reject.
  return bytes.toString('utf8');
}

/** Octal digits, optionally padded with leading spaces and trailing NULs or spaces. */
function parseOctal(block: Buffer, start: number, length: number, what: string): number {
  let end = start + length;
  while (end > start && (block[end - 1] === 0 || block[end - 1] === 0x20)) end -= 1;
  let at = start;
  while (at < end && block[at] === 0x20) at += 1;
  let value = 0;
  for (; at < end; at += 1) {
    const digit = (block[at] as number) - 0x30;
    if (digit < 0 || digit > 7) throw new SourceError('TAR_CORRUPT', `a tar header has a malformed ${what} field`);
    value = value * 8 + digit;
  }
  return value;
}

function parseSize(block: Buffer): number {
  if (((block[124] as number) & 0x80) !== 0) {
    // GNU base-256 for sizes of 8 GiB and more.
    if (block[124] !== 0x80) throw new SourceError('TAR_CORRUPT', 'a tar header has a negative size');
    let value = 0;
    for (let i = 125; i < 136; i += 1) value = value * 256 + (block[i] as number);
    if (!Number.isSafeInteger(value)) throw new SourceError('TAR_CORRUPT', 'a tar header has an impossible size');
    return value;
  }
  return parseOctal(block, 124, 12, 'size');
}

export function parseDecimal(text: string, what: string): number {
  if (!/^\d{1,16}$/.test(text) || !Number.isSafeInteger(Number(text))) throw new SourceError('TAR_CORRUPT', `malformed ${what}`);
  return Number(text);
}

/** pax records: "<length> <key>=<value>\n", length counting the whole record (POSIX.1-2001 pax). */
export function parsePax(body: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    if (space === -1 || space - at > 8) throw new SourceError('TAR_CORRUPT', 'a pax header record is malformed');
    const length = parseDecimal(body.subarray(at, space).toString('latin1'), 'pax record length');
    const end = at + length;
    if (length < space - at + 3 || end > body.length || body[end - 1] !== 0x0a) {
      throw new SourceError('TAR_CORRUPT', 'a pax header record has a bad length');
    }
    const record = body.subarray(space + 1, end - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq <= 0) throw new SourceError('TAR_CORRUPT', 'a pax header record has no key');
    records.set(record.slice(0, eq), record.slice(eq + 1));
    at = end;
  }
  return records;
}

/**
 * pax keywords that only describe an entry. Anything else (GNU.sparse.*, SCHILY.*, charset,
 * hdrcharset, realtime.*) could make `tar -xf` unpack something other than what was verified.
 */
const PAX_KEYS = new Set(['path', 'size', 'mtime', 'atime', 'ctime', 'uid', 'gid', 'uname', 'gname', 'linkpath', 'comment']);

function checkPaxKeys(records: Map<string, string>): Map<string, string> {
  for (const key of records.keys()) {
    if (!PAX_KEYS.has(key)) throw new SourceError('ENTRY_PAX_UNSUPPORTED', `unsupported pax header record "${key.slice(0, 40)}"`);
  }
  return records;
}

export function entryType(flag: string): SourceEntry['type'] {
  switch (flag) {
    case '0':
    case '7':
      return 'file';
    case '5':
      return 'directory';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '3':
    case '4':
      return 'device';
    case '6':
      return 'fifo';
    default:
      return 'other';
  }
}
