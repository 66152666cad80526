import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileChunks } from './chunks.js';

/** One entry of a packet, whatever its form. Content must be consumed (or left) before the next. */
export interface SourceEntry {
  /** The path as stored (a leading `./` removed); validated by the reader, not here. */
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'device' | 'fifo' | 'other';
  size: number;
  /** Modification time from the tar header (folders: undefined). */
  mtime?: Date;
  /** The entry's bytes; a consumer may stop early (the rest is skipped). */
  content: AsyncIterable<Uint8Array>;
  /** Where the content starts in the tar file (tar form only). */
  dataOffset?: number;
}

/** Raised by a source when the container itself is broken (truncated tar, bad header). */
export class SourceError extends Error {
  constructor(
    readonly code: 'TAR_TRUNCATED' | 'TAR_CORRUPT' | 'ENTRY_PAX_UNSUPPORTED' | 'ENTRY_AFTER_END' | 'UNREADABLE',
    message: string,
  ) {
    super(message);
  }
}

/** The unpacked form: walk the folder without following links, in byte order of names. Chunks are valid until the next is requested. */
export async function* directoryEntries(root: string): AsyncGenerator<SourceEntry> {
  yield* walk(root, '');
}

async function* walk(root: string, prefix: string): AsyncGenerator<SourceEntry> {
  const names = (await readdir(join(root, prefix))).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const name of names) {
    const rel = prefix === '' ? name : `${prefix}/${name}`;
    const info = await lstat(join(root, rel));
    if (info.isDirectory()) {
      yield { path: rel, type: 'directory', size: 0, content: nothing() };
      yield* walk(root, rel);
    } else if (info.isFile()) {
      yield { path: rel, type: 'file', size: Number(info.size), content: fileChunks(join(root, rel), 2) };
    } else {
      const type = info.isSymbolicLink() ? 'symlink' : info.isFIFO() ? 'fifo' : info.isCharacterDevice() || info.isBlockDevice() ? 'device' : 'other';
      yield { path: rel, type, size: 0, content: nothing() };
    }
  }
}

async function* nothing(): AsyncGenerator<Uint8Array> {
  // an entry without content
}
