import { createHash, type Hash } from 'node:crypto';
import { BLOCK, entryType, isZero, MAX_EXTENDED_HEADER, parseDecimal, parseHeader, parsePax } from './tar-reader.js';
import { paddedSize } from './tar-writer.js';

/** Entries recorded at most (48 bytes each): beyond them the reader hashes from the file. */
const MAX_RECORDED = 1 << 20;
const DIGEST_BYTES = 32;

/**
 * The SHA-256 of byte ranges of a tar file, taken while its bytes streamed past (a download), so
 * that `readPacket` can check the packet without reading its file contents a second time. A
 * digest answers only for the exact range it was taken over: `lookup(offset, size)` finds it only
 * when an entry recorded here starts at `offset` and has `size` bytes. Whatever the reader sees
 * that does not line up (a tar this parser read differently, a range never recorded), it hashes
 * from the file itself, so the answer never depends on this parser agreeing with the reader.
 */
export class ContentDigests {
  private offsets = new Float64Array(64);
  private sizes = new Float64Array(64);
  private digests = new Uint8Array(64 * DIGEST_BYTES);
  private count = 0;

  get length(): number {
    return this.count;
  }

  /** Ranges must be recorded in increasing offset order (as a tar is read); false when full. */
  record(offset: number, size: number, digest: Buffer): boolean {
    if (this.count >= MAX_RECORDED) return false;
    if (this.count > 0 && offset <= (this.offsets[this.count - 1] as number)) return false;
    if (this.count === this.offsets.length) this.grow();
    this.offsets[this.count] = offset;
    this.sizes[this.count] = size;
    this.digests.set(digest, this.count * DIGEST_BYTES);
    this.count += 1;
    return true;
  }

  /** The hex SHA-256 of the `size` bytes at `offset`, if exactly that range was recorded. */
  lookup(offset: number, size: number): string | undefined {
    let low = 0;
    let high = this.count - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const at = this.offsets[middle] as number;
      if (at < offset) low = middle + 1;
      else if (at > offset) high = middle - 1;
      else return this.sizes[middle] === size ? Buffer.from(this.digests.subarray(middle * DIGEST_BYTES, (middle + 1) * DIGEST_BYTES)).toString('hex') : undefined;
    }
    return undefined;
  }

  /** The recorded ranges as plain arrays, to send to another thread (see `fromShared`). */
  toShared(): SharedContentDigests {
    return { offsets: this.offsets.slice(0, this.count), sizes: this.sizes.slice(0, this.count), digests: this.digests.slice(0, this.count * DIGEST_BYTES) };
  }

  /** Ranges received from another thread, checked as `record` checks them (a bad set records nothing past its first bad range). */
  static fromShared(shared: SharedContentDigests): ContentDigests {
    const digests = new ContentDigests();
    const count = Math.min(shared.offsets.length, shared.sizes.length, Math.floor(shared.digests.length / DIGEST_BYTES));
    for (let i = 0; i < count; i += 1) {
      const digest = Buffer.from(shared.digests.buffer, shared.digests.byteOffset + i * DIGEST_BYTES, DIGEST_BYTES);
      if (!digests.record(shared.offsets[i] as number, shared.sizes[i] as number, digest)) break;
    }
    return digests;
  }

  private grow(): void {
    const capacity = this.offsets.length * 2;
    const offsets = new Float64Array(capacity);
    offsets.set(this.offsets);
    const sizes = new Float64Array(capacity);
    sizes.set(this.sizes);
    const digests = new Uint8Array(capacity * DIGEST_BYTES);
    digests.set(this.digests);
    this.offsets = offsets;
    this.sizes = sizes;
    this.digests = digests;
  }
}

export interface SharedContentDigests {
  offsets: Float64Array;
  sizes: Float64Array;
  digests: Uint8Array;
}

type Phase = 'header' | 'extended' | 'data' | 'skip' | 'done';

/**
 * Fed a tar's bytes in order (`update`), hashes the content of every regular file entry as it
 * passes and records it in a ContentDigests. It only finds where contents start and end; the
 * packet reader judges everything else. Anything it cannot follow stops the recording (never an
 * exception): the reader then hashes the remaining entries from the file.
 */
export class TarDigester {
  readonly digests = new ContentDigests();
  private phase: Phase = 'header';
  /** Offset of the next byte fed. */
  private position = 0;
  /** A header or extended header being gathered across chunks. */
  private gathered: Buffer[] = [];
  private gatheredBytes = 0;
  private want = BLOCK;
  private extendedType = '';
  private paxSize: number | undefined;
  /** Bytes left in the current phase (data or skip). */
  private left = 0;
  /** The padding after the current entry's data. */
  private padding = 0;
  private hash: Hash | undefined;
  private dataOffset = 0;
  private dataSize = 0;

  update(chunk: Buffer): void {
    let at = 0;
    try {
      while (at < chunk.length && this.phase !== 'done') {
        if (this.phase === 'data' || this.phase === 'skip') {
          const take = Math.min(this.left, chunk.length - at);
          if (this.phase === 'data') this.hash?.update(chunk.subarray(at, at + take));
          at += take;
          this.position += take;
          this.left -= take;
          if (this.left === 0) this.endOfRange();
          continue;
        }
        const take = Math.min(this.want - this.gatheredBytes, chunk.length - at);
        // Copied: the caller may reuse its buffer once this call returns.
        this.gathered.push(Buffer.from(chunk.subarray(at, at + take)));
        this.gatheredBytes += take;
        at += take;
        this.position += take;
        if (this.gatheredBytes === this.want) {
          const bytes = this.gathered.length === 1 ? (this.gathered[0] as Buffer) : Buffer.concat(this.gathered);
          this.gathered = [];
          this.gatheredBytes = 0;
          if (this.phase === 'header') this.onHeader(bytes);
          else this.onExtended(bytes);
        }
      }
    } catch {
      this.stop();
    }
  }

  private onHeader(block: Buffer): void {
    if (isZero(block)) return this.stop();
    const header = parseHeader(block);
    if (header.typeflag === 'x' || header.typeflag === 'L') {
      if (header.size > MAX_EXTENDED_HEADER) return this.stop();
      this.extendedType = header.typeflag;
      this.padding = paddedSize(header.size) - header.size;
      this.want = header.size;
      this.phase = 'extended';
      if (header.size === 0) this.onExtended(Buffer.alloc(0));
      return;
    }
    if (header.typeflag === 'g' || header.typeflag === 'K') return this.stop();
    const size = this.paxSize ?? header.size;
    this.paxSize = undefined;
    const type = entryType(header.typeflag);
    const dataSize = type === 'file' || type === 'other' ? size : 0;
    this.padding = paddedSize(dataSize) - dataSize;
    if (type === 'file') {
      this.hash = createHash('sha256');
      this.dataOffset = this.position;
      this.dataSize = size;
      this.startRange('data', size);
    } else {
      this.startRange('skip', dataSize);
    }
  }

  private onExtended(body: Buffer): void {
    if (this.extendedType === 'x') {
      const size = parsePax(body).get('size');
      this.paxSize = size === undefined ? undefined : parseDecimal(size, 'pax size');
    }
    this.want = BLOCK;
    this.startRange('skip', 0);
  }

  private startRange(phase: 'data' | 'skip', bytes: number): void {
    this.phase = phase;
    this.left = bytes;
    if (bytes === 0) this.endOfRange();
  }

  /** The end of an entry's data (record its digest) or of a skipped stretch (padding included). */
  private endOfRange(): void {
    if (this.phase === 'data') {
      const digest = (this.hash as Hash).digest();
      this.hash = undefined;
      if (!this.digests.record(this.dataOffset, this.dataSize, digest)) return this.stop();
    }
    const padding = this.padding;
    this.padding = 0;
    this.want = BLOCK;
    if (padding > 0) {
      this.phase = 'skip';
      this.left = padding;
    } else {
      this.phase = 'header';
    }
  }

  private stop(): void {
    this.phase = 'done';
    this.hash = undefined;
    this.gathered = [];
  }
}
