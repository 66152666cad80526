import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';

const FLUSH_BYTES = 1 << 20;

/**
 * Lines appended to a file, a megabyte at a time, then read back once: the manifest of a million
 * files is about 90 MB, which a build need not hold. The file lives in the build's spool folder.
 */
export class LineSpool {
  private readonly fd: number;
  /** Lines not yet written, copied here (the caller may reuse its memory). */
  private readonly pending = Buffer.allocUnsafe(FLUSH_BYTES);
  private pendingBytes = 0;
  private closed = false;
  size = 0;

  constructor(private readonly path: string) {
    this.fd = openSync(path, 'wx', 0o600);
  }

  append(lines: Uint8Array): void {
    this.size += lines.byteLength;
    if (this.pendingBytes + lines.byteLength > FLUSH_BYTES) this.flush();
    if (lines.byteLength >= FLUSH_BYTES) {
      for (let at = 0; at < lines.byteLength; ) at += writeSync(this.fd, lines, at);
      return;
    }
    this.pending.set(lines, this.pendingBytes);
    this.pendingBytes += lines.byteLength;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    closeSync(this.fd);
    this.closed = true;
  }

  /** `head`, then every line appended (after close). */
  async *withHead(head: Buffer): AsyncGenerator<Buffer> {
    yield head;
    if (this.size === 0) return;
    for await (const chunk of createReadStream(this.path, { highWaterMark: FLUSH_BYTES })) yield chunk as Buffer;
  }

  private flush(): void {
    if (this.pendingBytes === 0) return;
    for (let at = 0; at < this.pendingBytes; ) at += writeSync(this.fd, this.pending, at, this.pendingBytes - at);
    this.pendingBytes = 0;
  }
}
