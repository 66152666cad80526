import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fail, pass, type Check } from '../core/result.js';
import { plural } from '../core/plural.js';
import { isSealedPath, KEYS_DIR, MANIFEST, PACKET_JSON, PAYLOAD_DIR, parseUnsealedPath, SIGNATURES_DIR, TIMESTAMPS_DIR, VERIFY_MD, type PacketLimits, type UnsealedDir } from './format.js';
import { entryProblem, maxSizeFor } from './entry-rules.js';
import { hashRange } from './hash-range.js';
import type { ManifestFile } from './manifest-file.js';
import { checkPacketJson } from './packet-json-check.js';
import { ProblemList } from './problem-list.js';
import { PARALLEL_HASH_MIN, RangeHasher } from './range-hasher.js';
import type { PacketReading, ReadOptions } from './reader.js';
import type { SourceEntry } from './source.js';

const SEEN = 1;
const MODIFIED = 2;

/**
 * What one pass over a packet's entries keeps: a byte per manifest line, a few counters, the
 * small files (packet.json, VERIFY.md, signatures, time-stamps, keys). Each listed file is hashed
 * as it passes and compared at once with its line, looked up in the manifest on disk.
 */
export class ReadState {
  entries = 0;
  /** The pass ended early (too many entries): what was not reached is not judged missing or changed. */
  stopped = false;
  readonly problems = new ProblemList();
  /** Integrity problems of listed and unlisted files (reported after the manifest's own checks). */
  private readonly fileProblems = new ProblemList();
  private readonly lineState: Uint8Array;
  private readonly small = new Map<string, Buffer>();
  private readonly directories = new Set<string>();
  /** Which of signatures/, timestamps/ and keys/ hold a file, well named or not. */
  private readonly unsealedParents = new Set<string>();
  private unsealedBytes = 0;
  private unsealedFiles = 0;
  private payloadBytes = 0;
  private manifestSeen = false;
  /** The other core, hashing large entries (started at the first one). */
  private hasher: RangeHasher | undefined | null = null;
  /** Bytes hashed here and bytes given to the other core: each large entry goes to the side given less. */
  private hashedHere = 0;
  private hashedThere = 0;
  private readonly offloaded: Promise<void>[] = [];

  constructor(
    private readonly reading: PacketReading,
    private readonly limits: PacketLimits,
    private readonly options: ReadOptions,
    /** The manifest, when it was found well formed. */
    private readonly index: ManifestFile | undefined,
    private readonly packetPath: string,
  ) {
    this.lineState = new Uint8Array(index?.size ?? 0);
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
    const listed = this.index.find(entry.path);
    if (listed === undefined) {
      // Rejected by name alone: an unlisted file's content is never read.
      const code = /^(signatures|timestamps|keys)\//.test(entry.path) ? 'UNSEALED_BAD_NAME' : 'FILE_UNLISTED';
      const message =
        code === 'UNSEALED_BAD_NAME'
          ? `${entry.path} is not named <40 upper-case hex fingerprint>.asc/.tsr as its folder requires`
          : `${entry.path} is in the packet but not in the manifest`;
      this.fileProblems.add(fail('file.integrity', code, message, { subject: entry.path }));
      return;
    }
    const { line, sha256: expected } = listed;
    if ((this.lineState[line] as number) & SEEN) {
      this.problems.add(fail('packet.entry', 'ENTRY_DUPLICATE', `entry ${JSON.stringify(entry.path)} appears twice`, { subject: entry.path }));
      return;
    }
    this.lineState[line] = SEEN;
    if (!isSealedPath(entry.path)) return; // reported from the manifest's side (MANIFEST_LISTS_UNSEALED)
    const keep = entry.path === PACKET_JSON || entry.path === VERIFY_MD;
    const streamed = keep ? undefined : await this.streamedDigest(entry);
    if (streamed !== undefined) return this.compare(entry.path, line, expected, streamed, entry.size);
    if (this.offload(entry, line, expected)) return;
    const content = await this.hash(entry, keep);
    if (content === undefined) return;
    this.compare(entry.path, line, expected, content.sha256, content.size);
    if (keep && content.bytes !== undefined) this.small.set(entry.path, content.bytes);
  }

  private compare(path: string, line: number, expected: string, sha256: string, size: number): void {
    if (sha256 !== expected) {
      this.lineState[line] = SEEN | MODIFIED;
      this.fileProblems.add(fail('file.integrity', 'FILE_MODIFIED', `${path} does not match its SHA-256 in the manifest`, { subject: path, data: { expected, actual: sha256 } }));
    }
    if (path.startsWith(`${PAYLOAD_DIR}/`)) {
      this.payloadBytes += size;
      if (this.options.listPayload === true) this.reading.payload.push({ path, size, sha256: expected });
    }
  }

  /**
   * Hand a large listed entry to the other core when that core has been given fewer bytes than
   * this one has hashed, and let the read pass jump over it; the digest is compared when it
   * arrives. Returns false to hash the entry here. (Offloading only when the other core was idle
   * gave this core the entry whenever the other one was just finishing: an uneven split.)
   */
  private offload(entry: SourceEntry, line: number, expected: string): boolean {
    if (entry.size < PARALLEL_HASH_MIN || entry.size > maxSizeFor(entry.path, this.limits)) return false;
    const offset = this.reading.form === 'tar' ? entry.dataOffset : 0;
    if (offset === undefined) return false;
    if (this.hasher === null) this.hasher = RangeHasher.start();
    if (this.hasher === undefined || this.hashedThere > this.hashedHere) return false;
    this.hashedThere += entry.size;
    const file = this.reading.form === 'tar' ? this.packetPath : join(this.packetPath, entry.path);
    const { path, size } = entry;
    const done = (result: { sha256: string; read: number }): void => {
      this.options.onProgress?.(result.read);
      this.compare(path, line, expected, result.sha256, result.read);
    };
    this.offloaded.push(
      this.hasher.hash(file, offset, size).then(
        done,
        // A worker that failed is no verdict on the packet: hash the range here instead.
        async () => done(await hashRange(file, offset, size)),
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

  /**
   * The entry's SHA-256 as taken while the packet's bytes streamed in (`contentDigests`), when it
   * covers exactly this entry's bytes; the entry's content is then not read again (the tar
   * reader jumps over it).
   */
  private async streamedDigest(entry: SourceEntry): Promise<string | undefined> {
    const digests = this.options.contentDigests;
    if (digests === undefined || this.reading.form !== 'tar' || entry.type !== 'file' || entry.dataOffset === undefined) return undefined;
    await this.options.contentDigestsReach?.(entry.dataOffset + entry.size);
    return digests.lookup(entry.dataOffset, entry.size);
  }

  private checkEntry(entry: SourceEntry): Check | undefined {
    const problem = entryProblem(entry, this.limits);
    if (problem !== undefined || entry.type !== 'directory') return problem;
    const path = entry.path.replace(/\/$/, '');
    if (this.directories.has(path)) return fail('packet.entry', 'ENTRY_DUPLICATE', `entry ${JSON.stringify(path)} appears twice`, { subject: path });
    this.directories.add(path);
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
      this.hashedHere += buffer.byteLength;
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
    const streamed = await this.streamedDigest(entry);
    const content = streamed === undefined ? await this.hash(entry, false) : { sha256: streamed };
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

  /**
   * After the last entry: the manifest's checks (`manifestProblems` when it was not well formed),
   * what is missing, empty folders, packet.json.
   */
  finish(manifestFound: boolean, manifestProblems: Check[]): void {
    const checks = this.reading.checks;
    if (this.entries === 0) this.problems.add(fail('packet.read', 'PACKET_EMPTY', 'the packet has no entries'));
    else checks.push(pass('packet.read', `read ${plural(this.entries, 'entry', 'entries')} from the ${this.reading.form}`, { data: { entries: this.entries } }));
    if (manifestFound && !this.manifestSeen && !this.stopped) {
      this.problems.add(fail('packet.read', 'PACKET_CHANGED', `${MANIFEST} changed while the packet was being read`));
    }
    this.checkDirectories();
    this.problems.drainInto(checks);
    if (!manifestFound) {
      checks.push(fail('manifest', 'MANIFEST_MISSING', `${MANIFEST} is missing`));
      return;
    }
    for (const problem of manifestProblems) checks.push(problem);
    const index = this.index;
    if (index === undefined) return;
    checks.push(pass('manifest', `${MANIFEST} is well formed (${plural(index.size, 'file', 'files')})`, { data: { digest: this.reading.digest } }));
    const coverage = new ProblemList();
    let verified = 0;
    for (let line = 0; line < index.size; line += 1) {
      const state = this.lineState[line] as number;
      if (index.listsUnsealed(line)) {
        const path = index.path(line);
        coverage.add(fail('manifest.coverage', 'MANIFEST_LISTS_UNSEALED', `${MANIFEST} lists ${path}, which is not payload, ${PACKET_JSON} or ${VERIFY_MD}`, { subject: path }));
      } else if ((state & SEEN) === 0) {
        if (this.stopped) continue;
        const path = index.path(line);
        this.fileProblems.add(fail('file.integrity', 'FILE_MISSING', `${path} is listed in the manifest but missing`, { subject: path }));
      } else if ((state & MODIFIED) === 0) {
        verified += 1;
      }
    }
    for (const required of [PACKET_JSON, VERIFY_MD]) {
      if (index.find(required) === undefined) coverage.add(fail('manifest.coverage', 'MANIFEST_INCOMPLETE', `${MANIFEST} does not cover ${required}`, { subject: required }));
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
    const packetJson = this.small.get(PACKET_JSON);
    if (packetJson === undefined) return; // reported as FILE_MISSING or MANIFEST_INCOMPLETE
    const judged = checkPacketJson(packetJson, { intact: filesIntact, count: index.payloadCount, bytes: this.payloadBytes });
    for (const check of judged.checks) checks.push(check);
    if (judged.metadata !== undefined) this.reading.metadata = judged.metadata;
  }

  /** A folder entry is allowed only as a parent of a file (stock tar writes those); anything else is unlisted content. */
  private checkDirectories(): void {
    for (const dir of this.directories) {
      const prefix = `${dir}/`;
      if (this.unsealedParents.has(dir) || this.index === undefined || this.index.hasPrefix(prefix)) continue;
      this.fileProblems.add(fail('file.integrity', 'FILE_UNLISTED', `folder ${prefix} is in the packet but holds no listed file`, { subject: dir }));
    }
  }
}
