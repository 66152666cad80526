import { lstat, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_LIMITS, MANIFEST, PAYLOAD_DIR, type PacketLimits } from './format.js';
import { directoryEntries } from './source.js';
import { readTar } from './tar-reader.js';

/**
 * The manifest's bytes, read before anything else so that every other entry can be judged as it
 * passes. Tar: a pass over the headers that jumps over file contents. Undefined when there is no
 * readable manifest; the main pass then says why.
 */
export async function findManifest(path: string, form: 'tar' | 'directory', limits: PacketLimits): Promise<Buffer | undefined> {
  try {
    if (form === 'directory') {
      const file = join(path, MANIFEST);
      const info = await lstat(file);
      if (!info.isFile() || info.size > limits.maxManifestBytes) return undefined;
      return await readFile(file);
    }
    let entries = 0;
    // Read-ahead buffers reused, and the manifest copied once into a buffer of its size: a
    // million-line manifest is about 90 MB, and this pass must not hold it twice.
    for await (const entry of readTar(path, true)) {
      entries += 1;
      if (entries > limits.maxEntries) return undefined;
      if (entry.path !== MANIFEST || entry.type !== 'file') continue;
      if (entry.size > limits.maxManifestBytes) return undefined;
      const bytes = Buffer.allocUnsafe(entry.size);
      let at = 0;
      for await (const chunk of entry.content) {
        if (at + chunk.byteLength > bytes.length) return undefined;
        bytes.set(chunk, at);
        at += chunk.byteLength;
      }
      return at === bytes.length ? bytes : undefined;
    }
  } catch {
    // a broken container: reported by the main pass
  }
  return undefined;
}

/**
 * The payload files present in a packet, path and size, in the packet's order: a second pass
 * that reads headers only (the tar reader jumps over content), for listings that must not hold
 * a million paths. Stops quietly where the container is broken (readPacket says why).
 */
export async function* listPayloadFiles(path: string, limits: PacketLimits = DEFAULT_LIMITS): AsyncGenerator<{ path: string; size: number }> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) return;
  let entries = 0;
  try {
    for await (const entry of info.isDirectory() ? directoryEntries(path) : readTar(path, true)) {
      entries += 1;
      if (entries > limits.maxEntries) return;
      if (entry.type === 'file' && entry.path.startsWith(`${PAYLOAD_DIR}/`)) yield { path: entry.path, size: entry.size };
    }
  } catch {
    // reported by readPacket
  }
}
