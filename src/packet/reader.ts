import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { canonicalize } from 'json-canonicalize';
import { join } from 'node:path';
import { fail, pass, type Check } from '../core/result.js';
import {
  checkPacketPath,
  DEFAULT_LIMITS,
  FORMAT,
  isSealedPath,
  KEYS_DIR,
  MANIFEST,
  SIGNATURES_DIR,
  TIMESTAMPS_DIR,
  PACKET_JSON,
  parseUnsealedPath,
  PAYLOAD_DIR,
  VERIFY_MD,
  type PacketLimits,
  type PathProblem,
  type UnsealedDir,
} from './format.js';
import { ManifestIndex } from './manifest-index.js';
import { findManifest } from './header-pass.js';
import { MAX_LISTED_PER_CODE, ProblemList } from './problem-list.js';
import { hashRange } from './hash-range.js';
import { PARALLEL_HASH_MIN, RangeHasher } from './range-hasher.js';
import type { PacketMetadata } from './metadata.js';
import { directoryEntries, SourceError, type SourceEntry } from './source.js';
import { readTar } from './tar-reader.js';
import { plural } from '../core/plural.js';

export { listPayloadFiles } from './header-pass.js';
export { MAX_LISTED_PER_CODE } from './problem-list.js';

export interface PacketReading {
  form: 'tar' | 'directory';
  /** Integrity checks, in the order they were made. */
  checks: Check[];
  /** True when every integrity check passed. */
  intact: boolean;
  /** SHA-256 of manifest.sha256 (the packet digest), when the manifest was found. */
  digest?: string;
  manifestBytes?: Buffer;
  /** The manifest, indexed (no object per file), when it is well formed. */
  manifest?: ManifestIndex;
  metadata?: PacketMetadata;
  /** Bytes of signatures/, timestamps/ and keys/ files, by fingerprint. */
  unsealed: Record<UnsealedDir, Map<string, Buffer>>;
  /** Payload files seen, path and size: only with `listPayload` (it grows with the packet). */
  payload: { path: string; size: number }[];
}

export interface ReadOptions {
  limits?: PacketLimits;
  /** Called as bytes pass (for progress display). */
  onProgress?: (bytes: number) => void;
  /** Fill `payload` with every payload file seen (memory grows with the number of files). */
  listPayload?: boolean;
}

/**
 * Read a packet (tar file or unpacked folder): find and index the manifest first, then stream
 * every entry once, hashing each listed file as it passes and comparing it at once. Nothing is
 * kept per file but one byte of state per manifest line; an entry the manifest does not list, or
 * one over its size limit, is rejected without its content being read. Only the manifest,
 * packet.json, VERIFY.md and unsealed files are held in memory (each bounded). Never writes
 * anything; never throws for anything wrong with the packet itself.
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
  const manifestBytes = await findManifest(path, form, limits);
  const state = new ReadState(reading, limits, options, manifestBytes, path);
  try {
    const source = form === 'tar' ? readTar(path, true) : directoryEntries(path);
    for await (const entry of source) {
      state.entries += 1;
      if (state.entries > limits.maxEntries) {
        state.problems.add(fail('packet.entries', 'TOO_MANY_ENTRIES', `the packet has more than ${limits.maxEntries} entries`));
        state.stopped = true;
        break;
      }
      await state.consume(entry);
    }
  } catch (error) {
    const code = error instanceof SourceError ? error.code : 'TAR_CORRUPT';
    const message = error instanceof Error ? error.message : String(error);
    // Tricks in one entry are entry failures; a broken container is a read failure.
    const id = code.startsWith('ENTRY_') ? 'packet.entry' : 'packet.read';
    reading.checks.push(fail(id, code, message, { subject: path }));
    state.problems.drainInto(reading.checks);
    return reading;
  } finally {
    await state.settleHashes();
  }
  state.finish();
  reading.intact = reading.checks.every((c) => c.status !== 'fail');
  return reading;
}

const SEEN = 1;
const MODIFIED = 2;

/** What one pass over the entries keeps: a byte per manifest line, a few counters, the small files. */
class ReadState {
  entries = 0;
  /** The pass ended early (too many entries): what was not reached is not judged missing or changed. */
  stopped = false;
  readonly problems = new ProblemList();
  /** Integrity problems of listed and unlisted files (reported after the manifest's own checks). */
  readonly fileProblems = new ProblemList();
  private readonly index: ManifestIndex | undefined;
  private readonly lineState: Uint8Array;
  private readonly small = new Map<string, Buffer>();
  private readonly directories = new Set<string>();
  /** Which of signatures/, timestamps/ and keys/ hold a file, well named or not. */
  private readonly unsealedParents = new Set<string>();
  private unsealedBytes = 0;
  private unsealedFiles = 0;
  private payloadBytes = 0;
  private manifestSeen = false;
  /** The other core, hashing every other large entry (started at the first one). */
  private hasher: RangeHasher | undefined | null = null;
  private readonly offloaded: Promise<void>[] = [];
  private manifestProblems: Check[] = [];

  constructor(
    private readonly reading: PacketReading,
    private readonly limits: PacketLimits,
    private readonly options: ReadOptions,
    private readonly manifestBytes: Buffer | undefined,
    private readonly packetPath: string,
  ) {
    if (manifestBytes !== undefined) {
      reading.manifestBytes = manifestBytes;
      reading.digest = createHash('sha256').update(manifestBytes).digest('hex');
      const built = ManifestIndex.build(manifestBytes, limits, MAX_LISTED_PER_CODE);
      if (built.ok) {
        this.index = built.index;
        reading.manifest = built.index;
      } else {
        for (const problem of built.problems) {
          this.manifestProblems.push(fail('manifest', problem.code, problem.message, { location: { file: MANIFEST, ...(problem.line === undefined ? {} : { line: problem.line }) } }));
        }
        if (built.more > 0) this.manifestProblems.push(fail('manifest', 'MANIFEST_BAD_LINE', `${plural(built.more, 'more line', 'more lines')} of ${MANIFEST} ${built.more === 1 ? 'has a problem' : 'have problems'}`));
      }
    }
    this.lineState = new Uint8Array(this.index?.size ?? 0);
  }

  async consume(entry: SourceEntry): Promise<void> {
    if (entry.type === 'directory' && (entry.path === '' || entry.path === '.' || entry.path === './')) return; // `tar -C dir .` root
    const problem = this.checkEntry(entry);
    if (problem !== undefined) {
      this.problems.add(problem);
      return;
    }
    if (entry.type === 'directory') return;
    if (entry.path === MANIFEST) return this.consumeManifest(entry);
    const top = entry.path.slice(0, entry.path.indexOf('/'));
    if (top === SIGNATURES_DIR || top === TIMESTAMPS_DIR || top === KEYS_DIR) this.unsealedParents.add(top);
    const unsealedName = parseUnsealedPath(entry.path);
    if (unsealedName !== undefined) return this.consumeUnsealed(entry, unsealedName.dir, unsealedName.fingerprint);
    if (this.index === undefined) return; // no manifest to judge by: the manifest checks say why
    const line = this.index.find(entry.path);
    if (line === -1) {
      // Rejected by name alone: an unlisted file's content is never read.
      const code = /^(signatures|timestamps|keys)\//.test(entry.path) ? 'UNSEALED_BAD_NAME' : 'FILE_UNLISTED';
      const message =
        code === 'UNSEALED_BAD_NAME'
          ? `${entry.path} is not named <40 upper-case hex fingerprint>.asc/.tsr as its folder requires`
          : `${entry.path} is in the packet but not in the manifest`;
      this.fileProblems.add(fail('file.integrity', code, message, { subject: entry.path }));
      return;
    }
    if ((this.lineState[line] as number) & SEEN) {
      this.problems.add(fail('packet.entry', 'ENTRY_DUPLICATE', `entry ${JSON.stringify(entry.path)} appears twice`, { subject: entry.path }));
      return;
    }
    this.lineState[line] = SEEN;
    if (!isSealedPath(entry.path)) return; // reported from the manifest's side (MANIFEST_LISTS_UNSEALED)
    if (this.offload(entry, line)) return;
    const keep = entry.path === PACKET_JSON || entry.path === VERIFY_MD;
    const content = await this.hash(entry, keep);
    if (content === undefined) return;
    this.compare(entry.path, line, content.sha256, content.size);
    if (keep && content.bytes !== undefined) this.small.set(entry.path, content.bytes);
  }

  private compare(path: string, line: number, sha256: string, size: number): void {
    const expected = (this.index as ManifestIndex).digest(line);
    if (sha256 !== expected) {
      this.lineState[line] = SEEN | MODIFIED;
      this.fileProblems.add(fail('file.integrity', 'FILE_MODIFIED', `${path} does not match its SHA-256 in the manifest`, { subject: path, data: { expected, actual: sha256 } }));
    }
    if (path.startsWith(`${PAYLOAD_DIR}/`)) {
      this.payloadBytes += size;
      if (this.options.listPayload === true) this.reading.payload.push({ path, size });
    }
  }

  /**
   * Hand a large listed entry to the other core when it is free, and let the read pass jump over
   * it; the digest is compared when it arrives. Returns false to hash the entry here.
   */
  private offload(entry: SourceEntry, line: number): boolean {
    if (entry.size < PARALLEL_HASH_MIN || entry.size > maxSizeFor(entry.path, this.limits)) return false;
    const offset = this.reading.form === 'tar' ? entry.dataOffset : 0;
    if (offset === undefined) return false;
    if (this.hasher === null) this.hasher = RangeHasher.start();
    if (this.hasher === undefined || this.hasher.pending > 0) return false;
    const file = this.reading.form === 'tar' ? this.packetPath : join(this.packetPath, entry.path);
    const { path, size } = entry;
    this.offloaded.push(
      this.hasher.hash(file, offset, size).then(
        (result) => {
          this.options.onProgress?.(result.read);
          this.compare(path, line, result.sha256, result.read);
        },
        // A worker that failed is no verdict on the packet: hash the range here instead.
        async () => {
          const result = await hashRange(file, offset, size);
          this.options.onProgress?.(result.read);
          this.compare(path, line, result.sha256, result.read);
        },
      ).catch(() => {
        this.lineState[line] = SEEN | MODIFIED;
        this.fileProblems.add(fail('file.integrity', 'FILE_MODIFIED', `${path} could not be read to check its SHA-256`, { subject: path }));
      }),
    );
    return true;
  }

  /** Wait for the other core's digests, then stop it. */
  async settleHashes(): Promise<void> {
    await Promise.all(this.offloaded);
    this.offloaded.length = 0;
    await this.hasher?.close();
  }

  private checkEntry(entry: SourceEntry): Check | undefined {
    const path = entry.type === 'directory' ? entry.path.replace(/\/$/, '') : entry.path;
    const shown = JSON.stringify(path);
    const pathProblem = checkPacketPath(path, this.limits);
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
    if (entry.type === 'directory') {
      if (this.directories.has(path)) return fail('packet.entry', 'ENTRY_DUPLICATE', `entry ${shown} appears twice`, { subject: path });
      this.directories.add(path);
      return undefined;
    }
    const max = maxSizeFor(path, this.limits);
    if (entry.size > max) {
      return fail('packet.entry', 'ENTRY_TOO_LARGE', `entry ${shown} is ${entry.size} bytes, over the limit of ${max}`, { subject: path });
    }
    return undefined;
  }

  /** SHA-256 of the entry's content (and the bytes, when `keep`); undefined when it outgrows its limit. */
  private async hash(entry: SourceEntry, keep: boolean): Promise<{ sha256: string; size: number; bytes?: Buffer } | undefined> {
    const hash = createHash('sha256');
    const kept: Buffer[] = [];
    let size = 0;
    const max = maxSizeFor(entry.path, this.limits);
    for await (const buffer of entry.content) {
      size += buffer.byteLength;
      if (size > max) {
        this.problems.add(fail('packet.entry', 'ENTRY_TOO_LARGE', `entry ${JSON.stringify(entry.path)} is over the limit of ${max} bytes`, { subject: entry.path }));
        return undefined;
      }
      hash.update(buffer);
      if (keep) kept.push(Buffer.from(buffer));
      this.options.onProgress?.(buffer.byteLength);
    }
    return { sha256: hash.digest('hex'), size, ...(keep ? { bytes: Buffer.concat(kept) } : {}) };
  }

  private async consumeManifest(entry: SourceEntry): Promise<void> {
    if (this.manifestSeen) {
      this.problems.add(fail('packet.entry', 'ENTRY_DUPLICATE', `entry ${JSON.stringify(entry.path)} appears twice`, { subject: entry.path }));
      return;
    }
    this.manifestSeen = true;
    const content = await this.hash(entry, false);
    if (content !== undefined && content.sha256 !== this.reading.digest) {
      this.problems.add(fail('packet.read', 'PACKET_CHANGED', `${MANIFEST} changed while the packet was being read`));
    }
  }

  private async consumeUnsealed(entry: SourceEntry, dir: UnsealedDir, fingerprint: string): Promise<void> {
    const map = this.reading.unsealed[dir];
    if (map.has(fingerprint)) {
      this.problems.add(fail('packet.entry', 'ENTRY_DUPLICATE', `entry ${JSON.stringify(entry.path)} appears twice`, { subject: entry.path }));
      return;
    }
    const listed = this.index?.find(entry.path) ?? -1;
    if (listed !== -1) this.lineState[listed] = SEEN;
    this.unsealedFiles += 1;
    if (this.unsealedFiles > this.limits.maxUnsealedFiles) {
      this.problems.add(fail('packet.entries', 'UNSEALED_TOO_MANY', `the packet has more than ${this.limits.maxUnsealedFiles} signature, key and time-stamp files`, { subject: entry.path }));
      return;
    }
    const content = await this.hash(entry, true);
    if (content?.bytes === undefined) return;
    this.unsealedBytes += content.size;
    if (this.unsealedBytes > this.limits.maxUnsealedTotalBytes) {
      this.problems.add(fail('packet.entries', 'UNSEALED_TOO_LARGE', `signature, key and time-stamp files together exceed ${this.limits.maxUnsealedTotalBytes} bytes`, { subject: entry.path }));
      return;
    }
    map.set(fingerprint, content.bytes);
  }

  /** After the last entry: the manifest's checks, what is missing, empty folders, packet.json. */
  finish(): void {
    const checks = this.reading.checks;
    if (this.entries === 0) this.problems.add(fail('packet.read', 'PACKET_EMPTY', 'the packet has no entries'));
    else checks.push(pass('packet.read', `read ${plural(this.entries, 'entry', 'entries')} from the ${this.reading.form}`, { data: { entries: this.entries } }));
    if (this.manifestBytes !== undefined && !this.manifestSeen && !this.stopped) {
      this.problems.add(fail('packet.read', 'PACKET_CHANGED', `${MANIFEST} changed while the packet was being read`));
    }
    this.checkDirectories();
    this.problems.drainInto(checks);
    if (this.manifestBytes === undefined) {
      checks.push(fail('manifest', 'MANIFEST_MISSING', `${MANIFEST} is missing`));
      return;
    }
    for (const problem of this.manifestProblems) checks.push(problem);
    const index = this.index;
    if (index === undefined) return;
    checks.push(pass('manifest', `${MANIFEST} is well formed (${plural(index.size, 'file', 'files')})`, { data: { digest: this.reading.digest } }));
    const coverage = new ProblemList();
    let verified = 0;
    for (let line = 0; line < index.size; line += 1) {
      const state = this.lineState[line] as number;
      const path = (): string => index.path(line);
      if (!isSealedPath(path())) {
        coverage.add(fail('manifest.coverage', 'MANIFEST_LISTS_UNSEALED', `${MANIFEST} lists ${path()}, which is not payload, ${PACKET_JSON} or ${VERIFY_MD}`, { subject: path() }));
      } else if ((state & SEEN) === 0) {
        if (this.stopped) continue;
        this.fileProblems.add(fail('file.integrity', 'FILE_MISSING', `${path()} is listed in the manifest but missing`, { subject: path() }));
      } else if ((state & MODIFIED) === 0) {
        verified += 1;
      }
    }
    for (const required of [PACKET_JSON, VERIFY_MD]) {
      if (index.find(required) === -1) coverage.add(fail('manifest.coverage', 'MANIFEST_INCOMPLETE', `${MANIFEST} does not cover ${required}`, { subject: required }));
    }
    for (const fingerprint of this.reading.unsealed.timestamps.keys()) {
      if (!this.reading.unsealed.signatures.has(fingerprint)) {
        coverage.add(fail('layout', 'TIMESTAMP_WITHOUT_SIGNATURE', `timestamps/${fingerprint}.tsr has no matching signature`, { subject: fingerprint }));
      }
    }
    const filesIntact = coverage.size === 0 && this.fileProblems.size === 0;
    const integrityFailed = this.fileProblems.size > 0;
    coverage.drainInto(checks);
    this.fileProblems.drainInto(checks);
    if (!integrityFailed) checks.push(pass('file.integrity', verified === 1 ? 'the 1 covered file matches the manifest' : `all ${verified} covered files match the manifest`, { data: { files: verified } }));
    this.checkMetadata(filesIntact);
  }

  /** A folder entry is allowed only as a parent of a file (stock tar writes those); anything else is unlisted content. */
  private checkDirectories(): void {
    for (const dir of this.directories) {
      const prefix = `${dir}/`;
      if (this.unsealedParents.has(dir) || this.index?.hasPrefix(prefix) === true || this.index === undefined) continue;
      this.fileProblems.add(fail('file.integrity', 'FILE_UNLISTED', `folder ${prefix} is in the packet but holds no listed file`, { subject: dir }));
    }
  }

  private checkMetadata(filesIntact: boolean): void {
    const reading = this.reading;
    const bytes = this.small.get(PACKET_JSON);
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
    const count = this.index?.payloadCount ?? 0;
    if (metadata.files?.count !== count || metadata.files?.bytes !== this.payloadBytes) {
      checks.push(fail('packet-json', 'PACKET_JSON_MISMATCH', `${PACKET_JSON} gives files ${metadata.files?.count} and bytes ${metadata.files?.bytes}; the packet has files ${count} and bytes ${this.payloadBytes}`));
      return;
    }
    checks.push(pass('packet-json', `${PACKET_JSON} describes the packet (${plural(count, 'file', 'files')}, ${plural(this.payloadBytes, 'byte', 'bytes')})`));
  }
}

const PATH_CODES: Partial<Record<PathProblem, string>> = {
  PATH_ABSOLUTE: 'ENTRY_ABSOLUTE_PATH',
  PATH_TRAVERSAL: 'ENTRY_PATH_TRAVERSAL',
  PATH_NOT_NFC: 'ENTRY_PATH_NOT_NFC',
  PATH_TOO_LONG: 'ENTRY_PATH_TOO_LONG',
  PATH_TOO_DEEP: 'ENTRY_PATH_TOO_DEEP',
};

function maxSizeFor(path: string, limits: PacketLimits): number {
  if (path === MANIFEST) return limits.maxManifestBytes;
  if (path === PACKET_JSON || path === VERIFY_MD) return limits.maxMetadataBytes;
  if (path.startsWith(`${PAYLOAD_DIR}/`)) return limits.maxEntryBytes;
  return limits.maxUnsealedBytes;
}

