import { createReadStream } from 'node:fs';
import { lstat, open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';

/** One entry of a packet, whatever its form. Content must be consumed (or drained) before the next. */
export interface SourceEntry {
  /** The path as stored (a leading `./` removed); validated by the reader, not here. */
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'device' | 'fifo' | 'other';
  size: number;
  content: Readable;
  /** A pax record this reader does not interpret the way other tar readers do (tar form only). */
  unsupportedPax?: string;
  /** The entry comes after a zero block, where other tar readers stop (tar form only). */
  afterEnd?: boolean;
}

/** Raised by a source when the container itself is broken (truncated tar, bad header). */
export class SourceError extends Error {
  constructor(
    readonly code: 'TAR_TRUNCATED' | 'TAR_CORRUPT' | 'UNREADABLE',
    message: string,
  ) {
    super(message);
  }
}

const CHUNK = 1 << 20;

export async function* tarEntries(path: string): AsyncGenerator<SourceEntry> {
  // Opened before the parser starts: nothing may be awaited between piping the input into the
  // parser and attaching its iterator, or entries and errors emitted meanwhile are lost (a hang).
  const gaps = await open(path, 'r').catch(() => undefined);
  const extract = tar.extract({ allowUnknownFormat: false, filenameEncoding: 'utf-8' } as never);
  const input = createReadStream(path, { highWaterMark: CHUNK });
  input.on('error', (error) => extract.destroy(error));
  // Errors reach the consumer through the async iterator; these listeners only make sure an
  // error emitted on a stream nobody reads any more can never crash the process.
  extract.on('error', () => undefined);
  extract.on('entry', (_header: unknown, stream: NodeJS.EventEmitter) => stream.on('error', () => undefined));
  input.pipe(extract as unknown as NodeJS.WritableStream);
  let nextHeader = 0;
  try {
    for await (const entry of extract) {
      const header = entry.header;
      const unsupportedPax = unsupportedPaxRecord(extract, header.pax as Record<string, string> | undefined);
      const dataStart = (header as { byteOffset?: number }).byteOffset ?? 0;
      const afterEnd = gaps === undefined || (await zeroBlockBetween(gaps, nextHeader, dataStart - BLOCK));
      nextHeader = dataStart + (header.type === 'directory' ? 0 : Math.ceil((header.size ?? 0) / BLOCK) * BLOCK);
      yield {
        path: header.name.startsWith('./') ? header.name.slice(2) : header.name,
        type: entryType(header.type),
        size: header.size ?? 0,
        // tar-stream never ends a folder entry's stream when its declared size is not 0.
        content: header.type === 'directory' ? emptyReadable() : (entry as unknown as Readable),
        ...(unsupportedPax === undefined ? {} : { unsupportedPax }),
        ...(afterEnd ? { afterEnd } : {}),
      };
      entry.resume();
    }
  } catch (error) {
    throw classifyTarError(error);
  } finally {
    input.destroy();
    await gaps?.close();
  }
}

const BLOCK = 512;
/** Long (pax, GNU) headers between two entries take a few blocks; a longer gap is not one we accept. */
const MAX_HEADER_GAP = 64 * BLOCK;

/**
 * tar-stream skips zero blocks and reads on, while GNU tar stops at the end-of-archive marker
 * (POSIX ustar: two zero blocks) and so would never unpack what follows. Between one entry's data
 * and the next entry's header only long-header blocks may sit; a zero block there means the
 * entry is hidden after an end marker.
 */
async function zeroBlockBetween(file: FileHandle, from: number, to: number): Promise<boolean> {
  if (to - from > MAX_HEADER_GAP) return true;
  const block = Buffer.alloc(BLOCK);
  for (let position = from; position + BLOCK <= to; position += BLOCK) {
    const { bytesRead } = await file.read(block, 0, BLOCK, position);
    if (bytesRead < BLOCK || block.every((byte) => byte === 0)) return true;
  }
  return false;
}

// pax records (POSIX.1-2008 pax, "pax Extended Header Keywords") whose meaning tar-stream applies
// the same way as GNU tar and bsdtar. Anything else (GNU.sparse.*, hdrcharset, ...) could make a
// stock tool unpack other bytes or names than were verified, so it is refused.
const SAFE_PAX = new Set(['path', 'linkpath', 'size', 'mtime', 'atime', 'ctime', 'uid', 'gid', 'uname', 'gname', 'comment']);

function unsupportedPaxRecord(extract: unknown, pax: Record<string, string> | undefined): string | undefined {
  // tar-stream keeps global records (typeflag g) to itself and applies only some of them, while
  // GNU tar applies a global path to every later entry: refuse any global header outright.
  if ((extract as { _paxGlobal?: unknown })._paxGlobal != null) return 'global header';
  return Object.keys(pax ?? {}).find((key) => !SAFE_PAX.has(key));
}

function entryType(type: string | null | undefined): SourceEntry['type'] {
  switch (type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'directory';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    case 'character-device':
    case 'block-device':
      return 'device';
    case 'fifo':
      return 'fifo';
    default:
      return 'other';
  }
}

/** Map an error from the tar parser or the file system to a stable source error. */
export function classifyTarError(error: unknown): SourceError {
  if (error instanceof SourceError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/unexpected end/i.test(message)) return new SourceError('TAR_TRUNCATED', 'the tar archive is truncated');
  if ((error as NodeJS.ErrnoException).code !== undefined && !/tar/i.test(message)) {
    return new SourceError('UNREADABLE', `the packet cannot be read (${(error as NodeJS.ErrnoException).code})`);
  }
  return new SourceError('TAR_CORRUPT', `the tar archive is corrupt (${message})`);
}

/** The unpacked form: walk the folder without following links, in byte order of names. */
export async function* directoryEntries(root: string): AsyncGenerator<SourceEntry> {
  yield* walk(root, '');
}

async function* walk(root: string, prefix: string): AsyncGenerator<SourceEntry> {
  const names = (await readdir(join(root, prefix))).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const name of names) {
    const rel = prefix === '' ? name : `${prefix}/${name}`;
    const info = await lstat(join(root, rel));
    if (info.isDirectory()) {
      yield { path: rel, type: 'directory', size: 0, content: emptyReadable() };
      yield* walk(root, rel);
    } else if (info.isFile()) {
      const content = createReadStream(join(root, rel), { highWaterMark: CHUNK });
      yield { path: rel, type: 'file', size: Number(info.size), content };
      content.destroy();
    } else {
      const type = info.isSymbolicLink() ? 'symlink' : info.isFIFO() ? 'fifo' : info.isCharacterDevice() || info.isBlockDevice() ? 'device' : 'other';
      yield { path: rel, type, size: 0, content: emptyReadable() };
    }
  }
}

function emptyReadable(): Readable {
  return Readable.from([]);
}
