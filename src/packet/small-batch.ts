import { closeSync, fstatSync, readSync } from 'node:fs';
import { hashHex } from '../core/hash.js';
import type { RedactionRecord } from '../redact/index.js';
import { fileChanged, openInputSync, prepareBytes, SMALL_FILE_MAX, type PrepareOptions } from './payload.js';
import { errorForWire, type WireError } from './wire-error.js';
import { entryHeadersLength, paddedSize, writeEntryHeaders } from './tar-writer.js';

/** Files listed by the walk, to be read and prepared together (in a payload worker or inline). */
export interface BatchRequest {
  /** Where each file is on disk. */
  sources: string[];
  /** Its packet path (`payload/...`). */
  paths: string[];
}

/** What a batch needs besides the files: how to redact, and the tar headers' fixed fields. */
export interface BatchOptions extends PrepareOptions {
  mode: number;
  mtime: Date;
}

/** Something about one file of a batch that the packet's summary lists. */
export interface BatchNote {
  index: number;
  path: string;
  binary?: true;
  /** Why a .json file was kept as text. */
  note?: string;
  records?: RedactionRecord[];
}

/** A failure preparing one file; the files after it were not prepared. */
export interface BatchFailure {
  index: number;
  error: WireError;
}

/**
 * A batch prepared: the files' tar entries (header blocks, content, padding) one after the other,
 * in the order asked, and their manifest lines. A file larger than SMALL_FILE_MAX is left to the
 * caller, which streams it: it has no entry (`contentAt` -1) and no line.
 */
export interface PreparedBatch {
  tar: Uint8Array;
  /** Per file: where its entry ends in `tar` (where it starts is where the one before ends). */
  entryEnds: Int32Array;
  /** Per file: where its content starts in `tar`, or -1 for a file left to the caller. */
  contentAt: Int32Array;
  /** Per file: the bytes packed (its content's size), and the bytes read from the input. */
  sizes: Float64Array;
  inputSizes: Float64Array;
  /** `<sha256>  <path>\n` for each file prepared, in order, UTF-8 (in the same memory as `tar`). */
  lines: Uint8Array;
  /** Per file: where its line ends in `lines`. */
  lineEnds: Int32Array;
  notes: BatchNote[];
  /** The files left to the caller (larger than SMALL_FILE_MAX). */
  large: { index: number; source: string; path: string }[];
  /** Every file's packet path, when asked for (the unpacked form writes each file on its own). */
  paths?: string[];
  failure?: BatchFailure;
}


/** Batches of larger files grow it (the build hands grown memory back for reuse). */
const INITIAL_CAPACITY = 2 ** 20;
const BLOCK = 512;

/**
 * Read, redact, hash and format a batch of small files, synchronously. Each file is opened
 * without following links, checked to be a regular file, and read into the output right after
 * its header's room, so text that redaction leaves unchanged (most logs) is never copied.
 */
export function prepareBatch(request: BatchRequest, options: BatchOptions, reuse?: ArrayBuffer, withPaths = false): PreparedBatch {
  const count = request.sources.length;
  const out = new Output(reuse);
  const entryEnds = new Int32Array(count);
  const contentAt = new Int32Array(count).fill(-1);
  const sizes = new Float64Array(count);
  const inputSizes = new Float64Array(count);
  const lineEnds = new Int32Array(count);
  const notes: BatchNote[] = [];
  const large: PreparedBatch['large'] = [];
  let lines = '';
  let lineBytes = 0;
  let failure: BatchFailure | undefined;
  for (let index = 0; index < count; index += 1) {
    const source = request.sources[index] as string;
    const path = request.paths[index] as string;
    try {
      const entryStart = out.length;
      const read = readSmall(source, out, entryStart + BLOCK);
      if (read === undefined) large.push({ index, source, path });
      else {
        inputSizes[index] = read.byteLength;
        const prepared = prepareBytes({ path, source, size: read.byteLength }, read, options);
        const content = prepared.content as Buffer;
        const header = { path, size: content.byteLength, mode: options.mode, mtime: options.mtime };
        const headersLength = entryHeadersLength(header);
        if (content !== read || headersLength !== BLOCK) {
          // Redaction changed the text, or a pax header needs more room: place the content again.
          out.ensure(entryStart + headersLength + paddedSize(content.byteLength));
          out.bytes.set(content, entryStart + headersLength);
        }
        writeEntryHeaders(out.bytes, entryStart, header);
        const end = entryStart + headersLength + paddedSize(content.byteLength);
        out.bytes.fill(0, entryStart + headersLength + content.byteLength, end);
        out.length = end;
        contentAt[index] = entryStart + headersLength;
        sizes[index] = content.byteLength;
        // From where the content now is: `content` may be a view of bytes just moved.
        const digest = hashHex('sha256', out.bytes.subarray(contentAt[index] as number, (contentAt[index] as number) + content.byteLength));
        const line = `${digest}  ${path}\n`;
        lines += line;
        lineBytes += Buffer.byteLength(line, 'utf8');
        if (prepared.kind === 'binary') notes.push({ index, path, binary: true });
        if (prepared.note !== undefined || prepared.records.length > 0) {
          notes.push({ index, path, ...(prepared.note === undefined ? {} : { note: prepared.note }), ...(prepared.records.length > 0 ? { records: prepared.records } : {}) });
        }
      }
    } catch (error) {
      failure = { index, error: errorForWire(error) };
      break;
    }
    entryEnds[index] = out.length;
    lineEnds[index] = lineBytes;
  }
  // The lines go after the entries, so one piece of memory carries the whole batch.
  const tarLength = out.length;
  out.ensure(tarLength + lineBytes);
  out.bytes.write(lines, tarLength, 'utf8');
  return {
    tar: out.bytes.subarray(0, tarLength),
    lines: out.bytes.subarray(tarLength, tarLength + lineBytes),
    entryEnds, contentAt, sizes, inputSizes, lineEnds, notes, large,
    ...(withPaths ? { paths: request.paths } : {}),
    ...(failure === undefined ? {} : { failure }),
  };
}

/**
 * A growing output buffer that owns its memory outright (not a slice of Node's shared pool), so it
 * can be transferred between threads. Not zeroed: every byte up to `length` is written.
 */
class Output {
  bytes: Buffer;
  length = 0;

  /** `reuse`: the memory of a batch already written, handed back (saves allocating and collecting it). */
  constructor(reuse?: ArrayBuffer) {
    this.bytes = reuse !== undefined && reuse.byteLength >= INITIAL_CAPACITY ? Buffer.from(reuse) : Buffer.allocUnsafeSlow(INITIAL_CAPACITY);
  }

  ensure(capacity: number): void {
    if (capacity <= this.bytes.byteLength) return;
    let size = this.bytes.byteLength * 2;
    while (size < capacity) size *= 2;
    const grown = Buffer.allocUnsafeSlow(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }
}

/**
 * A small file's bytes, read into `out` at `at` (a view of them), or undefined when the file is
 * larger than SMALL_FILE_MAX (the caller streams it). The size comes from the open file, and a
 * file that grows or shrinks while it is read is refused.
 */
function readSmall(source: string, out: Output, at: number): Buffer | undefined {
  const fd = openInputSync(source);
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw fileChanged(source);
    const size = info.size;
    if (size > SMALL_FILE_MAX) return undefined;
    // Room for one byte more than expected: a file that grew shows it.
    out.ensure(at + paddedSize(size + 1));
    let read = 0;
    for (;;) {
      const n = readSync(fd, out.bytes, at + read, size + 1 - read, read);
      read += n;
      // A read that stops at the size (one byte short of what was asked) ended at the end of the
      // file: asking again only to be told so would cost a call per file.
      if (n === 0 || read >= size) break;
    }
    if (read !== size) throw fileChanged(source);
    return out.bytes.subarray(at, at + size);
  } finally {
    closeSync(fd);
  }
}
