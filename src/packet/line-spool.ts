import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';

const FLUSH_BYTES = 1 << 20;

/**
 * Lines appended to a file, a megabyte at a time, then read back once: the manifest of a million
 * files is about 90 MB, which a build need not hold. The file lives in the build's spool folder.
 */
export class LineSpool {
  private readonly fd: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private closed = false;
  size = 0;

  constructor(private readonly path: string) {
    this.fd = openSync(path, 'wx', 0o600);
  }

  append(line: Buffer): void {
    this.pending.push(line);
    this.pendingBytes += line.byteLength;
    this.size += line.byteLength;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
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
    const bytes = Buffer.concat(this.pending);
    for (let at = 0; at < bytes.byteLength; ) at += writeSync(this.fd, bytes, at);
    this.pending = [];
    this.pendingBytes = 0;
  }
}
