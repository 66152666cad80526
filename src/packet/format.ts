/**
 * Packet format v1: names, layout rules and limits (docs/packet-format.md is the spec).
 */

export const FORMAT = 'evidence-packet/v1';

export const MANIFEST = 'manifest.sha256';
export const PACKET_JSON = 'packet.json';
export const VERIFY_MD = 'VERIFY.md';
export const PAYLOAD_DIR = 'payload';
export const SIGNATURES_DIR = 'signatures';
export const TIMESTAMPS_DIR = 'timestamps';
export const KEYS_DIR = 'keys';

/** Files a packet may hold outside the manifest: added after sealing, named by fingerprint. */
export const UNSEALED = {
  [SIGNATURES_DIR]: '.asc',
  [TIMESTAMPS_DIR]: '.tsr',
  [KEYS_DIR]: '.asc',
} as const;
export type UnsealedDir = keyof typeof UNSEALED;

const FINGERPRINT_FILE = /^(signatures|timestamps|keys)\/([0-9A-F]{40})\.(asc|tsr)$/;

/** `signatures/<FPR>.asc` etc.: returns the folder and fingerprint, or undefined if the name is not one. */
export function parseUnsealedPath(path: string): { dir: UnsealedDir; fingerprint: string } | undefined {
  const m = FINGERPRINT_FILE.exec(path);
  if (m === null) return undefined;
  const dir = m[1] as UnsealedDir;
  if (UNSEALED[dir] !== `.${m[3]}`) return undefined;
  return { dir, fingerprint: m[2] as string };
}

export function unsealedPath(dir: UnsealedDir, fingerprint: string): string {
  return `${dir}/${fingerprint}${UNSEALED[dir]}`;
}

/** Whether a path (already known to be valid) is one the manifest must cover. */
export function isSealedPath(path: string): boolean {
  return path === PACKET_JSON || path === VERIFY_MD || path.startsWith(`${PAYLOAD_DIR}/`);
}

/** Bounds on what a reader accepts. Every one is documented in docs/packet-format.md. */
export interface PacketLimits {
  /** Largest payload entry, bytes. */
  maxEntryBytes: number;
  /** Largest manifest, bytes. */
  maxManifestBytes: number;
  /** Largest packet.json / VERIFY.md, bytes. */
  maxMetadataBytes: number;
  /** Largest signature, key or time-stamp file, bytes. */
  maxUnsealedBytes: number;
  /** All signature, key and time-stamp files together, bytes (they are held in memory). */
  maxUnsealedTotalBytes: number;
  /** Signature, key and time-stamp files together (each has its own map entry). */
  maxUnsealedFiles: number;
  /**
   * Entries in the whole packet: MAX_PAYLOAD_FILES payload files and room for packet.json,
   * VERIFY.md, the manifest, signature, time-stamp and key files, and the folder entries that
   * stock tar writes.
   */
  maxEntries: number;
  /** Bytes in one path (UTF-8). */
  maxPathBytes: number;
  /** Folders deep. */
  maxDepth: number;
}

export const DEFAULT_LIMITS: PacketLimits = {
  maxEntryBytes: 64 * 2 ** 30,
  maxManifestBytes: 256 * 2 ** 20,
  maxMetadataBytes: 16 * 2 ** 20,
  maxUnsealedBytes: 1 * 2 ** 20,
  maxUnsealedTotalBytes: 64 * 2 ** 20,
  maxUnsealedFiles: 3000,
  maxEntries: 1_010_000,
  maxPathBytes: 4096,
  maxDepth: 64,
};

/** Payload files a build packs at most (a reader accepts them with room to spare, see maxEntries). */
export const MAX_PAYLOAD_FILES = 1_000_000;

export type PathProblem =
  | 'PATH_EMPTY'
  | 'PATH_ABSOLUTE'
  | 'PATH_TRAVERSAL'
  | 'PATH_NOT_NFC'
  | 'PATH_CONTROL_CHARACTER'
  | 'PATH_BACKSLASH'
  | 'PATH_EMPTY_SEGMENT'
  | 'PATH_TOO_LONG'
  | 'PATH_TOO_DEEP'
  | 'PATH_BAD_UTF8';

// C0 and C1 controls, DEL, and the Unicode line/paragraph separators.
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * A path inside a packet must be relative, `/`-separated, UTF-8 NFC, free of control characters,
 * `.` and `..` segments and empty segments, and within the length and depth bounds.
 */
export function checkPacketPath(path: string, limits: PacketLimits = DEFAULT_LIMITS): PathProblem | undefined {
  if (path.length === 0) return 'PATH_EMPTY';
  if (path.includes('\ufffd')) return 'PATH_BAD_UTF8';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'PATH_ABSOLUTE';
  if (CONTROL_CHARACTERS.test(path)) return 'PATH_CONTROL_CHARACTER';
  if (path.includes('\\')) return 'PATH_BACKSLASH';
  const segments = path.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return 'PATH_TRAVERSAL';
  if (segments.some((s) => s === '')) return 'PATH_EMPTY_SEGMENT';
  if (path.normalize('NFC') !== path) return 'PATH_NOT_NFC';
  if (Buffer.byteLength(path, 'utf8') > limits.maxPathBytes) return 'PATH_TOO_LONG';
  if (segments.length > limits.maxDepth) return 'PATH_TOO_DEEP';
  return undefined;
}

/** Order of paths everywhere in the format: by their UTF-8 bytes. */
export function compareByBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
