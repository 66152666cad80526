import { createHash } from 'node:crypto';
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { isSealedPath, type PacketLimits } from './format.js';
import { ManifestChecker } from './manifest-check.js';
import type { ManifestProblem } from './manifest.js';

/** Where the manifest's bytes are: a range of the tar file, or the whole manifest file of a folder. */
export interface ManifestLocation {
  file: string;
  offset: number;
  size: number;
}

/** Lines per block: a lookup reads one block (a few KB) from disk, and memory holds one path per block. */
const BLOCK_LINES = 64;
const SCAN_CHUNK = 1 << 20;
const NEWLINE = 0x0a;

/** The manifest's bytes on disk no longer match what was checked: someone is changing the packet. */
export class ManifestChanged extends Error {
  constructor() {
    super('manifest.sha256 changed while the packet was being read');
  }
}

export type ManifestScan =
  | { ok: true; digest: string; bytes?: Buffer; manifest: ManifestFile }
  | { ok: false; digest: string; bytes?: Buffer; problems: ManifestProblem[]; more: number };

interface Block {
  index: number;
  bytes: Buffer;
  /** Start of each line in `bytes`, and one past the last line's LF. */
  starts: Int32Array;
}

/**
 * The manifest as the verifier holds it, without holding it: one pass checks every line and
 * notes, per block of 64 lines, where the block starts, its first path and the SHA-256 of its
 * bytes (about 70 bytes per block), plus one byte of flags per line. A lookup binary-searches the
 * first paths, reads that one block back from disk and checks its digest, so a packet that is
 * changed while it is read is caught, never believed. A million-line manifest (about 90 MB)
 * costs about 2 MB; entries that arrive in manifest order hit the block read last.
 */
export class ManifestFile {
  private cache: Block | undefined;

  private constructor(
    private readonly fd: number,
    private readonly location: ManifestLocation,
    private readonly blockStarts: Float64Array,
    private readonly firstPaths: Buffer[],
    private readonly blockDigests: Buffer,
    /** Per line: 1 when the path is not payload/, packet.json or VERIFY.md. */
    private readonly unsealed: Uint8Array,
    /** Lines whose path starts with `payload/`. */
    readonly payloadCount: number,
  ) {}

  get size(): number {
    return this.unsealed.length;
  }

  /** Whether line `i` lists a path outside what a manifest may cover (signatures/, keys/ and the like). */
  listsUnsealed(i: number): boolean {
    return this.unsealed[i] === 1;
  }

  /**
   * Read and check the manifest at `location` in one pass (hashing it as it goes). Undefined when
   * it cannot be read whole. With `keepBytes` its bytes are kept too (signature checks need them).
   */
  static scan(location: ManifestLocation, limits: PacketLimits, maxProblems: number, keepBytes: boolean): ManifestScan | undefined {
    let fd: number;
    try {
      // Never through a link (a folder's manifest.sha256 swapped for one after it was looked at).
      fd = openSync(location.file, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch {
      return undefined;
    }
    let result: ManifestScan | undefined;
    try {
      result = scanOpen(fd, location, limits, maxProblems, keepBytes);
    } catch {
      result = undefined;
    }
    if (result?.ok !== true) closeSync(fd);
    return result;
  }

  /** The index of a manifest that `scan` found well formed. */
  static fromScan(fd: number, location: ManifestLocation, blocks: BlockNotes, unsealed: Uint8Array, payloadCount: number): ManifestFile {
    return new ManifestFile(fd, location, Float64Array.from(blocks.starts), blocks.firstPaths, Buffer.concat(blocks.digests), unsealed, payloadCount);
  }

  close(): void {
    this.cache = undefined;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }

  /** The line listing `path` and its SHA-256 (64 lower-case hex), or undefined. */
  find(path: string): { line: number; sha256: string } | undefined {
    const key = Buffer.from(path, 'utf8');
    const b = this.blockFor(key);
    if (b < 0) return undefined;
    const block = this.load(b);
    let low = 0;
    let high = block.starts.length - 2;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const order = Buffer.compare(pathOf(block, mid), key);
      if (order === 0) {
        const start = block.starts[mid] as number;
        return { line: b * BLOCK_LINES + mid, sha256: block.bytes.toString('latin1', start, start + 64) };
      }
      if (order < 0) low = mid + 1;
      else high = mid - 1;
    }
    return undefined;
  }

  /** Whether some listed path starts with `prefix` (a folder's name and `/`). */
  hasPrefix(prefix: string): boolean {
    const key = Buffer.from(prefix, 'utf8');
    const b = this.blockFor(key);
    let candidate: Buffer | undefined;
    if (b < 0) {
      candidate = this.firstPaths[0];
    } else {
      const block = this.load(b);
      for (let i = 0; i < block.starts.length - 1 && candidate === undefined; i += 1) {
        const path = pathOf(block, i);
        if (Buffer.compare(path, key) >= 0) candidate = path;
      }
      candidate ??= this.firstPaths[b + 1];
    }
    return candidate !== undefined && candidate.length >= key.length && candidate.subarray(0, key.length).equals(key);
  }

  /** The path on line `i`. */
  path(i: number): string {
    const b = Math.floor(i / BLOCK_LINES);
    return pathOf(this.load(b), i - b * BLOCK_LINES).toString('utf8');
  }

  /** The last block whose first path is at most `key`, or -1 (the block read last is tried first). */
  private blockFor(key: Buffer): number {
    const cached = this.cache?.index;
    if (cached !== undefined && this.inBlock(cached, key)) return cached;
    let low = 0;
    let high = this.firstPaths.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      if (Buffer.compare(this.firstPaths[mid] as Buffer, key) <= 0) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found;
  }

  private inBlock(b: number, key: Buffer): boolean {
    if (Buffer.compare(this.firstPaths[b] as Buffer, key) > 0) return false;
    const next = this.firstPaths[b + 1];
    return next === undefined || Buffer.compare(key, next) < 0;
  }

  /** Block `b`, read back and checked against the digest taken when the manifest was checked. */
  private load(b: number): Block {
    if (this.cache?.index === b) return this.cache;
    const start = this.blockStarts[b] as number;
    const end = b + 1 < this.blockStarts.length ? (this.blockStarts[b + 1] as number) : this.location.size;
    const bytes = Buffer.allocUnsafe(end - start);
    readFully(this.fd, bytes, this.location.offset + start);
    const digest = createHash('sha256').update(bytes).digest();
    if (!digest.equals(this.blockDigests.subarray(b * 32, b * 32 + 32))) throw new ManifestChanged();
    const starts: number[] = [0];
    for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1)) starts.push(at + 1);
    this.cache = { index: b, bytes, starts: Int32Array.from(starts) };
    return this.cache;
  }
}

function pathOf(block: Block, i: number): Buffer {
  return block.bytes.subarray((block.starts[i] as number) + 66, (block.starts[i + 1] as number) - 1);
}

function readFully(fd: number, target: Buffer, position: number): void {
  for (let at = 0; at < target.length; ) {
    const n = readSync(fd, target, at, target.length - at, position + at);
    if (n === 0) throw new ManifestChanged();
    at += n;
  }
}

interface BlockNotes {
  starts: number[];
  firstPaths: Buffer[];
  digests: Buffer[];
}

/** The one pass: hash the whole, check each line, note each block and each line's flag. */
function scanOpen(fd: number, location: ManifestLocation, limits: PacketLimits, maxProblems: number, keepBytes: boolean): ManifestScan | undefined {
  const { size } = location;
  const whole = createHash('sha256');
  const bytes = keepBytes ? Buffer.allocUnsafe(size) : undefined;
  const checker = new ManifestChecker(limits, maxProblems);
  const blocks: BlockNotes = { starts: [], firstPaths: [], digests: [] };
  let unsealed = new Uint8Array(1024);
  let blockHash = createHash('sha256');
  let carriageReturn = false;
  /** The unfinished line that a chunk ended in. */
  let carry: Buffer[] = [];
  let lineStart = 0;
  const chunk = Buffer.allocUnsafe(Math.max(1, Math.min(SCAN_CHUNK, size)));

  const endLine = (line: Buffer): void => {
    const i = checker.lines;
    if (i % BLOCK_LINES === 0) {
      if (i > 0) blocks.digests.push(blockHash.digest());
      blockHash = createHash('sha256');
      blocks.starts.push(lineStart);
      blocks.firstPaths.push(Buffer.from(line.subarray(Math.min(66, line.length))));
    }
    const path = checker.line(line);
    if (i >= unsealed.length) {
      const grown = new Uint8Array(unsealed.length * 2);
      grown.set(unsealed);
      unsealed = grown;
    }
    unsealed[i] = path !== undefined && !isSealedPath(path) ? 1 : 0;
  };

  for (let position = 0; position < size; ) {
    const n = readSync(fd, chunk, 0, Math.min(chunk.length, size - position), location.offset + position);
    if (n === 0) return undefined; // shorter than its header said
    const data = chunk.subarray(0, n);
    whole.update(data);
    bytes?.set(data, position);
    if (!carriageReturn && data.includes(0x0d)) carriageReturn = true;
    let at = 0;
    for (let nl = data.indexOf(NEWLINE); nl !== -1; nl = data.indexOf(NEWLINE, at)) {
      const tail = data.subarray(at, nl + 1);
      const line = carry.length === 0 ? tail : Buffer.concat([...carry, tail]);
      carry = [];
      endLine(line.subarray(0, line.length - 1));
      blockHash.update(line);
      lineStart = position + nl + 1;
      at = nl + 1;
    }
    if (at < n) carry.push(Buffer.from(data.subarray(at)));
    position += n;
  }
  if (checker.lines > 0) blocks.digests.push(blockHash.digest());
  const digest = whole.digest('hex');
  const verdict = checker.result({ size, carriageReturn, finalNewline: carry.length === 0 && size > 0 });
  const kept = bytes === undefined ? {} : { bytes };
  if (verdict.problems.length > 0 || verdict.more > 0) return { ok: false, digest, ...kept, problems: verdict.problems, more: verdict.more };
  const manifest = ManifestFile.fromScan(fd, location, blocks, unsealed.slice(0, checker.lines), checker.payloadLines);
  return { ok: true, digest, ...kept, manifest };
}
