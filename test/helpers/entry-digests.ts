import { createHash } from 'node:crypto';
import { readTar } from '../../src/packet/tar-reader.js';

export interface EntryDigest {
  path: string;
  /** Where the entry's content starts in the archive. */
  offset: number;
  size: number;
  sha256: string;
}

/** Each file entry of a packet with its content's SHA-256, read with the project's tar reader: what a digester must match. */
export async function fileEntryDigests(packet: string): Promise<EntryDigest[]> {
  const files: EntryDigest[] = [];
  for await (const entry of readTar(packet)) {
    if (entry.type !== 'file') continue;
    const hash = createHash('sha256');
    for await (const chunk of entry.content) hash.update(chunk);
    files.push({ path: entry.path, offset: entry.dataOffset as number, size: entry.size, sha256: hash.digest('hex') });
  }
  return files;
}
