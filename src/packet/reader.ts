import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { canonicalize } from 'json-canonicalize';
import { fail, pass, type Check } from '../core/result.js';
import {
  checkPacketPath,
  DEFAULT_LIMITS,
  FORMAT,
  isSealedPath,
  MANIFEST,
  PACKET_JSON,
  parseUnsealedPath,
  PAYLOAD_DIR,
  VERIFY_MD,
  type PacketLimits,
  type PathProblem,
  type UnsealedDir,
} from './format.js';
import { parseManifest, type ManifestEntry } from './manifest.js';
import type { PacketMetadata } from './metadata.js';
import { directoryEntries, SourceError, type SourceEntry } from './source.js';
import { readTar } from './tar-reader.js';

export interface PacketReading {
  form: 'tar' | 'directory';
  /** Integrity checks, in the order they were made. */
  checks: Check[];
  /** True when every integrity check passed. */
  intact: boolean;
  /** SHA-256 of manifest.sha256 (the packet digest), when the manifest was found. */
  digest?: string;
  manifestBytes?: Buffer;
  manifest?: ManifestEntry[];
  metadata?: PacketMetadata;
  /** Bytes of signatures/, timestamps/ and keys/ files, by fingerprint. */
  unsealed: Record<UnsealedDir, Map<string, Buffer>>;
  /** Payload files seen: path and size. */
  payload: { path: string; size: number }[];
}

export interface ReadOptions {
  limits?: PacketLimits;
  /** Called as bytes pass (for progress display). */
  onProgress?: (bytes: number) => void;
}

/**
 * Read a packet (tar file or unpacked folder) in one streaming pass: validate every entry, hash
 * every covered file as it passes, keep only small files in memory, then compare with the
 * manifest. Never writes anything; never throws for anything wrong with the packet itself.
 */
export async function readPacket(path: string, options: ReadOptions = {}): Promise<PacketReading> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const info = await stat(path).catch(() => undefined);
  const form = info?.isDirectory() === true ? 'directory' : 'tar';
  const reading: PacketReading = {
    form,
    checks: [],
    intact: false,
    unsealed: { signatures: new Map(), timestamps: new Map(), keys: new Map() },
    payload: [],
  };
  if (info === undefined || (!info.isDirectory() && !info.isFile())) {
    reading.checks.push(fail('packet.read', 'PACKET_NOT_FOUND', `${path} is not a packet file or folder`));
    return reading;
  }

  const hashes = new Map<string, string>();
  const small = new Map<string, Buffer>();
  const problems: Check[] = [];
  const seen = new Set<string>();
  const directories: string[] = [];
  const held = { unsealedBytes: 0 };
  let entries = 0;
  try {
    const source = form === 'tar' ? readTar(path, true) : directoryEntries(path);
    for await (const entry of source) {
      entries += 1;
      if (entries > limits.maxEntries) {
        problems.push(fail('packet.entries', 'TOO_MANY_ENTRIES', `the packet has more than ${limits.maxEntries} entries`));
        break;
      }
      if (entry.type === 'directory' && (entry.path === '' || entry.path === '.' || entry.path === './')) continue; // `tar -C dir .` root
      const problem = checkEntry(entry, seen, limits);
      if (problem !== undefined) {
        problems.push(problem);
        continue;
      }
      if (entry.type === 'directory') {
        directories.push(entry.path.replace(/\/$/, ''));
        continue;
      }
      await consume(entry, hashes, small, reading, problems, limits, held, options.onProgress);
    }
  } catch (error) {
    const code = error instanceof SourceError ? error.code : 'TAR_CORRUPT';
    const message = error instanceof Error ? error.message : String(error);
    // Tricks in one entry are entry failures; a broken container is a read failure.
    const id = code.startsWith('ENTRY_') ? 'packet.entry' : 'packet.read';
    reading.checks.push(fail(id, code, message, { subject: path }));
    reading.checks.push(...problems);
    return reading;
  }
  if (entries === 0) problems.push(fail('packet.read', 'PACKET_EMPTY', 'the packet has no entries'));
  else reading.checks.push(pass('packet.read', `read ${entries} entries from the ${form}`, { data: { entries } }));
  reading.checks.push(...problems, ...emptyDirectories(directories, seen));
  compareWithManifest(reading, hashes, small, limits);
  reading.intact = reading.checks.every((c) => c.status !== 'fail');
  return reading;
}

/** A folder entry is allowed only as a parent of a file (stock tar writes those); anything else is unlisted content. */
function emptyDirectories(directories: string[], seen: Set<string>): Check[] {
  const parents = new Set<string>();
  for (const path of seen) {
    for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) parents.add(path.slice(0, i));
  }
  return directories
    .filter((dir) => !parents.has(dir))
    .map((dir) => fail('file.integrity', 'FILE_UNLISTED', `folder ${dir}/ is in the packet but holds no listed file`, { subject: dir }));
}

const PATH_CODES: Partial<Record<PathProblem, string>> = {
  PATH_ABSOLUTE: 'ENTRY_ABSOLUTE_PATH',
  PATH_TRAVERSAL: 'ENTRY_PATH_TRAVERSAL',
  PATH_NOT_NFC: 'ENTRY_PATH_NOT_NFC',
  PATH_TOO_LONG: 'ENTRY_PATH_TOO_LONG',
  PATH_TOO_DEEP: 'ENTRY_PATH_TOO_DEEP',
};

function checkEntry(entry: SourceEntry, seen: Set<string>, limits: PacketLimits): Check | undefined {
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
  if (seen.has(path)) return fail('packet.entry', 'ENTRY_DUPLICATE', `entry ${shown} appears twice`, { subject: path });
  seen.add(path);
  if (entry.type === 'directory') return undefined;
  const max = maxSizeFor(path, limits);
  if (entry.size > max) {
    return fail('packet.entry', 'ENTRY_TOO_LARGE', `entry ${shown} is ${entry.size} bytes, over the limit of ${max}`, { subject: path });
  }
  return undefined;
}

function maxSizeFor(path: string, limits: PacketLimits): number {
  if (path === MANIFEST) return limits.maxManifestBytes;
  if (path === PACKET_JSON || path === VERIFY_MD) return limits.maxMetadataBytes;
  if (path.startsWith(`${PAYLOAD_DIR}/`)) return limits.maxEntryBytes;
  return limits.maxUnsealedBytes;
}

async function consume(
  entry: SourceEntry,
  hashes: Map<string, string>,
  small: Map<string, Buffer>,
  reading: PacketReading,
  problems: Check[],
  limits: PacketLimits,
  held: { unsealedBytes: number },
  onProgress: ReadOptions['onProgress'],
): Promise<void> {
  // Only what later stages read is kept in memory; anything else (payload, unlisted files) is hashed and let go.
  const unsealedName = parseUnsealedPath(entry.path);
  const keep = entry.path === MANIFEST || entry.path === PACKET_JSON || entry.path === VERIFY_MD || unsealedName !== undefined;
  const hash = createHash('sha256');
  const kept: Buffer[] = [];
  let size = 0;
  const max = maxSizeFor(entry.path, limits);
  for await (const buffer of entry.content) {
    size += buffer.byteLength;
    if (size > max) {
      problems.push(fail('packet.entry', 'ENTRY_TOO_LARGE', `entry ${JSON.stringify(entry.path)} is over the limit of ${max} bytes`, { subject: entry.path }));
      return;
    }
    hash.update(buffer);
    if (keep) kept.push(Buffer.from(buffer));
    onProgress?.(buffer.byteLength);
  }
  hashes.set(entry.path, hash.digest('hex'));
  if (entry.path.startsWith(`${PAYLOAD_DIR}/`)) {
    reading.payload.push({ path: entry.path, size });
    return;
  }
  if (!keep) return;
  const bytes = Buffer.concat(kept);
  if (unsealedName === undefined) {
    small.set(entry.path, bytes);
    return;
  }
  held.unsealedBytes += bytes.byteLength;
  if (held.unsealedBytes > limits.maxUnsealedTotalBytes) {
    problems.push(fail('packet.entries', 'UNSEALED_TOO_LARGE', `signature, key and time-stamp files together exceed ${limits.maxUnsealedTotalBytes} bytes`, { subject: entry.path }));
    return;
  }
  reading.unsealed[unsealedName.dir].set(unsealedName.fingerprint, bytes);
}

function compareWithManifest(reading: PacketReading, hashes: Map<string, string>, small: Map<string, Buffer>, limits: PacketLimits): void {
  const checks = reading.checks;
  const manifestBytes = small.get(MANIFEST);
  if (manifestBytes === undefined) {
    checks.push(fail('manifest', 'MANIFEST_MISSING', `${MANIFEST} is missing`));
    return;
  }
  reading.manifestBytes = manifestBytes;
  reading.digest = createHash('sha256').update(manifestBytes).digest('hex');
  const parsed = parseManifest(manifestBytes, limits);
  if (!parsed.ok) {
    for (const problem of parsed.problems) {
      checks.push(fail('manifest', problem.code, problem.message, { location: { file: MANIFEST, ...(problem.line === undefined ? {} : { line: problem.line }) } }));
    }
    return;
  }
  reading.manifest = parsed.entries;
  checks.push(pass('manifest', `${MANIFEST} is well formed (${parsed.entries.length} files)`, { data: { digest: reading.digest } }));

  const listed = new Set<string>();
  let verified = 0;
  const fileProblems: Check[] = [];
  for (const entry of parsed.entries) {
    listed.add(entry.path);
    if (!isSealedPath(entry.path)) {
      fileProblems.push(fail('manifest.coverage', 'MANIFEST_LISTS_UNSEALED', `${MANIFEST} lists ${entry.path}, which is not payload, ${PACKET_JSON} or ${VERIFY_MD}`, { subject: entry.path }));
      continue;
    }
    const actual = hashes.get(entry.path);
    if (actual === undefined) {
      fileProblems.push(fail('file.integrity', 'FILE_MISSING', `${entry.path} is listed in the manifest but missing`, { subject: entry.path }));
    } else if (actual !== entry.sha256) {
      fileProblems.push(fail('file.integrity', 'FILE_MODIFIED', `${entry.path} does not match its SHA-256 in the manifest`, { subject: entry.path, data: { expected: entry.sha256, actual } }));
    } else {
      verified += 1;
    }
  }
  for (const required of [PACKET_JSON, VERIFY_MD]) {
    if (!listed.has(required)) fileProblems.push(fail('manifest.coverage', 'MANIFEST_INCOMPLETE', `${MANIFEST} does not cover ${required}`, { subject: required }));
  }
  for (const path of hashes.keys()) {
    if (path === MANIFEST || listed.has(path)) continue;
    const unsealed = parseUnsealedPath(path);
    if (unsealed !== undefined) continue;
    const code = /^(signatures|timestamps|keys)\//.test(path) ? 'UNSEALED_BAD_NAME' : 'FILE_UNLISTED';
    const message =
      code === 'UNSEALED_BAD_NAME'
        ? `${path} is not named <40 upper-case hex fingerprint>.asc/.tsr as its folder requires`
        : `${path} is in the packet but not in the manifest`;
    fileProblems.push(fail('file.integrity', code, message, { subject: path }));
  }
  for (const fingerprint of reading.unsealed.timestamps.keys()) {
    if (!reading.unsealed.signatures.has(fingerprint)) {
      fileProblems.push(fail('layout', 'TIMESTAMP_WITHOUT_SIGNATURE', `timestamps/${fingerprint}.tsr has no matching signature`, { subject: fingerprint }));
    }
  }
  checks.push(...fileProblems);
  if (!fileProblems.some((c) => c.id === 'file.integrity')) {
    checks.push(pass('file.integrity', `all ${verified} covered files match the manifest`, { data: { files: verified } }));
  }
  checkMetadata(reading, small.get(PACKET_JSON), fileProblems.length === 0);
}

function checkMetadata(reading: PacketReading, bytes: Buffer | undefined, filesIntact: boolean): void {
  if (bytes === undefined) return; // reported as FILE_MISSING or MANIFEST_INCOMPLETE
  const checks = reading.checks;
  let metadata: PacketMetadata;
  try {
    metadata = JSON.parse(bytes.toString('utf8')) as PacketMetadata;
  } catch {
    checks.push(fail('packet-json', 'PACKET_JSON_INVALID', `${PACKET_JSON} is not valid JSON`));
    return;
  }
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    checks.push(fail('packet-json', 'PACKET_JSON_INVALID', `${PACKET_JSON} is not a JSON object`));
    return;
  }
  if (metadata.format !== FORMAT) {
    checks.push(fail('packet-json', 'FORMAT_UNSUPPORTED', `${PACKET_JSON} declares format ${JSON.stringify(metadata.format)}; this tool reads ${FORMAT}`));
    return;
  }
  let canonical: string | undefined;
  try {
    canonical = canonicalize(metadata);
  } catch {
    // Nesting deep enough to exhaust the stack: no packet.json this tool writes looks like that.
    checks.push(fail('packet-json', 'PACKET_JSON_INVALID', `${PACKET_JSON} cannot be canonicalized (nested too deeply)`));
    return;
  }
  if (canonical !== bytes.toString('utf8')) {
    checks.push(fail('packet-json', 'PACKET_JSON_NOT_CANONICAL', `${PACKET_JSON} is not canonical JSON (RFC 8785)`));
    return;
  }
  reading.metadata = metadata;
  if (!filesIntact) return;
  const payloadBytes = reading.payload.reduce((sum, f) => sum + f.size, 0);
  const count = reading.manifest?.filter((e) => e.path.startsWith(`${PAYLOAD_DIR}/`)).length ?? 0;
  if (metadata.files?.count !== count || metadata.files?.bytes !== payloadBytes) {
    checks.push(fail('packet-json', 'PACKET_JSON_MISMATCH', `${PACKET_JSON} says ${metadata.files?.count} files and ${metadata.files?.bytes} bytes; the packet has ${count} and ${payloadBytes}`));
    return;
  }
  checks.push(pass('packet-json', `${PACKET_JSON} describes the packet (${count} files, ${payloadBytes} bytes)`));
}
