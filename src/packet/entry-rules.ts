import { fail, type Check } from '../core/result.js';
import { checkPacketPath, MANIFEST, PACKET_JSON, PAYLOAD_DIR, VERIFY_MD, type PacketLimits, type PathProblem } from './format.js';
import type { SourceEntry } from './source.js';

/**
 * What one entry of a packet may be, judged from its header alone (before any byte of it is
 * read): a safe path, a regular file or folder, within its size limit. Duplicate folders are the
 * caller's to catch.
 */
export function entryProblem(entry: SourceEntry, limits: PacketLimits): Check | undefined {
  const path = entry.type === 'directory' ? entry.path.replace(/\/$/, '') : entry.path;
  const shown = JSON.stringify(path);
  const pathProblem = checkPacketPath(path, limits);
  if (pathProblem !== undefined) {
    return fail('packet.entry', PATH_CODES[pathProblem] ?? 'ENTRY_BAD_PATH', `entry ${shown} has a path that is not allowed (${pathProblem})`, { subject: path });
  }
  if (entry.type === 'symlink' || entry.type === 'hardlink') {
    return fail('packet.entry', 'ENTRY_LINK', `entry ${shown} is a link; packets hold only regular files`, { subject: path });
  }
  if (entry.type === 'device' || entry.type === 'fifo') {
    return fail('packet.entry', 'ENTRY_SPECIAL', `entry ${shown} is a device or pipe; packets hold only regular files`, { subject: path });
  }
  if (entry.type === 'other') {
    return fail('packet.entry', 'ENTRY_UNSUPPORTED', `entry ${shown} has an unsupported tar type`, { subject: path });
  }
  if (entry.type === 'directory') return undefined;
  const max = maxSizeFor(path, limits);
  if (entry.size > max) {
    return fail('packet.entry', 'ENTRY_TOO_LARGE', `entry ${shown} is ${entry.size} bytes, over the limit of ${max}`, { subject: path });
  }
  return undefined;
}

const PATH_CODES: Partial<Record<PathProblem, string>> = {
  PATH_ABSOLUTE: 'ENTRY_ABSOLUTE_PATH',
  PATH_TRAVERSAL: 'ENTRY_PATH_TRAVERSAL',
  PATH_NOT_NFC: 'ENTRY_PATH_NOT_NFC',
  PATH_TOO_LONG: 'ENTRY_PATH_TOO_LONG',
  PATH_TOO_DEEP: 'ENTRY_PATH_TOO_DEEP',
};

/** The size limit of the entry at `path`, by what it is. */
export function maxSizeFor(path: string, limits: PacketLimits): number {
  if (path === MANIFEST) return limits.maxManifestBytes;
  if (path === PACKET_JSON || path === VERIFY_MD) return limits.maxMetadataBytes;
  if (path.startsWith(`${PAYLOAD_DIR}/`)) return limits.maxEntryBytes;
  return limits.maxUnsealedBytes;
}
