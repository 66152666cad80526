import type { FileHandle } from 'node:fs/promises';
import { writevFully } from '../core/writev.js';

/**
 * A minimal deterministic POSIX tar writer (ustar headers; a pax extended header carries a path
 * that is not ASCII or does not fit ustar's name and prefix fields, and sizes of 8 GiB and more).
 * Written here instead of going through tar-stream because a build of thousands of small files
 * spent most of its time in per-entry stream round trips: small entries are batched into one
 * vectored write, and a large file's chunks are written while the next one is hashed.
 */
const BLOCK = 512;
/** GNU tar's default record (20 blocks): `tar --delete` and `tar -r` work on whole records. */
export const RECORD = 20 * BLOCK;
const BATCH_BYTES = 4 * 2 ** 20;
const USTAR_MAX_SIZE = 8 ** 11 - 1;

export interface TarFileHeader {
  path: string;
  size: number;
  mode: number;
  mtime: Date;
}

export class TarWriter {
  /** Small entries are copied into one of two batch buffers: one fills while the other is written. */
  private readonly batches = [Buffer.allocUnsafe(BATCH_BYTES), Buffer.allocUnsafe(BATCH_BYTES)];
  private current = 0;
  private used = 0;
  /** The last write started; every write waits for the one before, so the archive stays in order. */
  private inFlight: Promise<void> = Promise.resolve();
  /** Bytes of archive produced so far, for padding the end to a whole record. */
  private length = 0;

  constructor(private readonly handle: Pick<FileHandle, 'writev'>) {}

  /** Add one regular file; `content` must yield exactly `header.size` bytes. */
  async add(header: TarFileHeader, content: Uint8Array | AsyncIterable<Uint8Array>, onMismatch: () => Error): Promise<void> {
    const split = ustarSplit(header);
    const headerLength = split === undefined ? 0 : BLOCK;
    const padded = paddedSize(header.size);
    if (content instanceof Uint8Array) {
      if (content.byteLength !== header.size) throw onMismatch();
      if (split !== undefined && headerLength + padded <= BATCH_BYTES) {
        // The common case, a small file: header, content and padding copied into the batch.
        if (this.used + headerLength + padded > BATCH_BYTES) await this.flush();
        const batch = this.batches[this.current] as Buffer;
        writeUstarHeader(batch, this.used, split.name, split.prefix, header.size, '0', header);
        batch.set(content, this.used + BLOCK);
        batch.fill(0, this.used + BLOCK + header.size, this.used + BLOCK + padded);
        this.used += BLOCK + padded;
        this.length += BLOCK + padded;
        return;
      }
      await this.flush();
      this.write([encodeHeaders(header), content, new Uint8Array(padded - header.size)]);
      return;
    }
    await this.flush();
    this.write([encodeHeaders(header)]);
    let written = 0;
    for await (const chunk of content) {
      written += chunk.byteLength;
      if (written > header.size) break;
      // One write in flight while the caller hashes the next chunk (chunks are fresh buffers).
      await this.inFlight;
      this.write([chunk]);
    }
    await this.inFlight;
    if (written !== header.size) throw onMismatch();
    if (padded > header.size) this.write([new Uint8Array(padded - header.size)]);
  }

  /**
   * Whole entries formatted elsewhere (header blocks, content, padding; see writeEntryHeaders), as
   * they are: a payload worker's batch. Resolves once they are written (the memory may be reused).
   */
  async addEntries(entries: Uint8Array): Promise<void> {
    if (entries.byteLength % BLOCK !== 0) throw new Error('tar entries must fill whole blocks');
    if (entries.byteLength === 0) return;
    await this.flush();
    this.write([entries]);
    await this.inFlight;
  }

  /** The end-of-archive marker (two zero blocks), zeros to the end of the record, then everything still batched. */
  async finish(): Promise<void> {
    await this.flush();
    const end = this.length + 2 * BLOCK;
    this.write([new Uint8Array(2 * BLOCK + ((RECORD - (end % RECORD)) % RECORD))]);
    await this.inFlight;
  }

  /** Start writing the batch filled so far, and fill the other one meanwhile. */
  private async flush(): Promise<void> {
    await this.inFlight; // the other batch's write: it must land before that batch is refilled
    if (this.used === 0) return;
    const batch = (this.batches[this.current] as Buffer).subarray(0, this.used);
    this.write([batch], true);
    this.current = 1 - this.current;
    this.used = 0;
  }

  /** Queue `buffers` after the write in flight; errors surface at the next await of `inFlight`. */
  private write(buffers: Uint8Array[], counted = false): void {
    if (!counted) for (const buffer of buffers) this.length += buffer.byteLength;
    const previous = this.inFlight;
    this.inFlight = previous.then(() => writevFully(this.handle, buffers));
    this.inFlight.catch(() => undefined); // awaited later; never an unhandled rejection
  }
}

/** The ustar name and prefix of a header that needs no pax record, or undefined. */
function ustarSplit(header: TarFileHeader): { name: string; prefix: string } | undefined {
  return header.size > USTAR_MAX_SIZE ? undefined : splitUstarName(header.path);
}

/** How many bytes writeEntryHeaders writes for `header`. */
export function entryHeadersLength(header: TarFileHeader): number {
  return ustarSplit(header) === undefined ? encodeHeaders(header).byteLength : BLOCK;
}

/** The header block(s) of one file, written at `at` of `target` (which must have room); returns their length. */
export function writeEntryHeaders(target: Buffer, at: number, header: TarFileHeader): number {
  const split = ustarSplit(header);
  if (split !== undefined) {
    writeUstarHeader(target, at, split.name, split.prefix, header.size, '0', header);
    return BLOCK;
  }
  const headers = encodeHeaders(header);
  target.set(headers, at);
  return headers.byteLength;
}

/** Bytes of a file's content with its padding to a whole block. */
export function paddedSize(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

/** The header block(s) of one file: a pax extended header first when ustar cannot hold it. */
export function encodeHeaders(header: TarFileHeader): Uint8Array {
  const split = splitUstarName(header.path);
  const needsPaxSize = header.size > USTAR_MAX_SIZE;
  if (split !== undefined && !needsPaxSize) return ustarHeader(split.name, split.prefix, header.size, '0', header);
  const records = paxRecord('path', header.path) + (needsPaxSize ? paxRecord('size', String(header.size)) : '');
  const body = Buffer.from(records, 'utf8');
  const pad = (BLOCK - (body.byteLength % BLOCK)) % BLOCK;
  return Buffer.concat([
    ustarHeader('PaxHeader', '', body.byteLength, 'x', header),
    body,
    Buffer.alloc(pad),
    ustarHeader(split?.name ?? fallbackName(header.path), split?.prefix ?? '', needsPaxSize ? 0 : header.size, '0', header),
  ]);
}

/** ustar keeps a path in name (100 bytes) and prefix (155 bytes), split at a slash; ASCII only here. */
function splitUstarName(path: string): { name: string; prefix: string } | undefined {
  if (!/^[\x20-\x7e]*$/.test(path)) return undefined;
  if (path.length <= 100) return { name: path, prefix: '' };
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (prefix.length <= 155 && name.length <= 100 && name.length > 0) return { name, prefix };
  }
  return undefined;
}

/** What a reader without pax support sees: the last part of the path, in ASCII, cut to fit. */
function fallbackName(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1).replace(/[^\x20-\x7e]/g, '_');
  return base.slice(-100) || 'file';
}

/** "<length> <key>=<value>\n", the length counting the whole record, itself included. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bytes = Buffer.byteLength(body, 'utf8');
  let length = bytes + String(bytes).length;
  if (String(length).length !== String(bytes).length) length = bytes + String(length).length;
  return `${length}${body}`;
}

function ustarHeader(name: string, prefix: string, size: number, type: '0' | 'x', header: TarFileHeader): Buffer {
  const block = Buffer.allocUnsafe(BLOCK);
  writeUstarHeader(block, 0, name, prefix, size, type, header);
  return block;
}

/** The fields every header of one kind shares (all but name, prefix, size and checksum), for the last mode, time and type seen. */
let template: { mode: number; time: number; type: string; block: Buffer } | undefined;

function headerTemplate(mode: number, mtime: Date, type: '0' | 'x'): Buffer {
  const time = mtime.getTime();
  if (template?.mode === mode && template.time === time && template.type === type) return template.block;
  const block = Buffer.alloc(BLOCK);
  writeOctal(block, 100, 8, mode);
  writeOctal(block, 108, 8, 0); // uid
  writeOctal(block, 116, 8, 0); // gid
  writeOctal(block, 136, 12, Math.floor(time / 1000));
  block.write(type, 156, 1, 'latin1');
  block.write('ustar\u0000', 257, 6, 'latin1');
  block.write('00', 263, 2, 'latin1');
  writeOctal(block, 329, 8, 0); // devmajor
  writeOctal(block, 337, 8, 0); // devminor
  template = { mode, time, type, block };
  return block;
}

/** One ustar header block, written at `at` of `target`. */
function writeUstarHeader(target: Buffer, at: number, name: string, prefix: string, size: number, type: '0' | 'x', header: TarFileHeader): void {
  const block = target.subarray(at, at + BLOCK);
  block.set(headerTemplate(header.mode, header.mtime, type));
  block.write(name, 0, 100, 'latin1');
  writeOctal(block, 124, 12, size);
  block.write(prefix, 345, 155, 'latin1');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i += 1) sum += block[i] as number;
  block.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'latin1');
}

/** `value` in octal, zero-padded to `length - 1` digits, then a NUL (digits written directly: once per entry). */
function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  if (!(value >= 0 && value < 8 ** (length - 1))) {
    block.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, length, 'latin1');
    return;
  }
  let rest = value;
  for (let i = offset + length - 2; i >= offset; i -= 1) {
    block[i] = 0x30 + (rest % 8);
    rest = Math.floor(rest / 8);
  }
  block[offset + length - 1] = 0;
}
