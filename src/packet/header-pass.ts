import { lstat, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_LIMITS, MANIFEST, PAYLOAD_DIR, type PacketLimits } from './format.js';
import type { ManifestLocation } from './manifest-file.js';
import { directoryEntries } from './source.js';
import { readTar } from './tar-reader.js';
import { READ_CHUNK } from './chunks.js';

/**
 * Where the manifest's bytes are, found before anything else so that every other entry can be
 * judged as it passes. Tar: a pass over the headers that jumps over file contents (the manifest
 * is the last entry a build writes). Undefined when there is no manifest within the limits; the
 * main pass then says why.
 */
export async function findManifest(path: string, form: 'tar' | 'directory', limits: PacketLimits, chunkSize = READ_CHUNK): Promise<ManifestLocation | undefined> {
  try {
    if (form === 'directory') {
      const file = join(path, MANIFEST);
      const info = await lstat(file);
      if (!info.isFile() || info.size > limits.maxManifestBytes) return undefined;
      return { file, offset: 0, size: info.size };
    }
    let entries = 0;
    for await (const entry of readTar(path, true, chunkSize)) {
      entries += 1;
      if (entries > limits.maxEntries) return undefined;
      if (entry.path !== MANIFEST || entry.type !== 'file') continue;
      if (entry.size > limits.maxManifestBytes || entry.dataOffset === undefined) return undefined;
      return { file: path, offset: entry.dataOffset, size: entry.size };
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
