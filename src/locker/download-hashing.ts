import { existsSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ContentDigests, type SharedContentDigests } from '../packet/tar-digests.js';
import { DownloadDigests } from './download-digests.js';
import type { ObjectDigest } from './hashing.js';
import { writeAll } from './write-stream.js';

const WORKER_URL = new URL('./download-hash-worker.js', import.meta.url);
/** The bytes go to the hashing worker in slots of this size... */
const SLOT_BYTES = 1024 * 1024;
/**
 * ...of a ring of this many: the download runs ahead of the hashing by at most this much, enough
 * to ride out the worker waiting about 0.1 s for a core (with 8 slots, pulls on the shared
 * machine stalled more often; 32 cost about 25 MiB of peak RSS).
 */
const SLOTS = 32;

export interface HashedDownload {
  /** The SHA-256 and size of every byte received. */
  object: ObjectDigest;
  /** Each tar entry's content SHA-256, with the range it covers (see ContentDigests). */
  entries: ContentDigests;
}

export interface DownloadOptions {
  /** The file's path, so what is written is flushed to disk as it goes (see writeAll). */
  path: string;
  /** Sees each chunk as it arrives, before anything else is done with it; an exception stops the copy. */
  onChunk?: (chunk: Buffer) => void;
}

/**
 * Copy a download to an open file while taking the two SHA-256s pull needs: the whole object's
 * and each tar entry's content. The thread that receives the download writes the chunks as they
 * come and copies them into memory shared with a worker thread, which does the hashing on the
 * other core (both SHA-256s cost about 1.3 s of CPU per GiB; the copy a tenth of that). Without a
 * worker (one CPU, or run from the TypeScript sources), the same hashes are taken inline.
 */
export async function downloadHashed(stream: Readable, handle: FileHandle, options: DownloadOptions): Promise<HashedDownload> {
  const hasher = SlotHasher.start();
  if (hasher === undefined) return downloadInline(stream, handle, options);
  try {
    await writeAll(hasher.share(stream, options.onChunk), handle, { path: options.path });
    return await hasher.finish();
  } finally {
    await hasher.close();
  }
}

async function downloadInline(stream: Readable, handle: FileHandle, options: DownloadOptions): Promise<HashedDownload> {
  const digests = new DownloadDigests();
  const onChunk = (chunk: Buffer): void => {
    options.onChunk?.(chunk);
    digests.update(chunk);
  };
  await writeAll(stream, handle, { path: options.path, onChunk });
  return { object: digests.object(), entries: digests.entries.digests };
}

export interface HashWorkerData {
  shared: SharedArrayBuffer;
  slotBytes: number;
}

export type HashWorkerMessage = { type: 'slot'; slot: number; length: number } | { type: 'end' };

type Done = { type: 'done'; size: number; sha256: string; entries: SharedContentDigests };
type WorkerReply = { type: 'hashed'; slot: number } | Done;

/**
 * A ring of slots in memory shared with the hashing worker: a slot is filled here, handed to the
 * worker, and filled again only once the worker has hashed it.
 */
class SlotHasher {
  private readonly shared = new SharedArrayBuffer(SLOT_BYTES * SLOTS);
  private readonly worker: Worker;
  private readonly busy = new Uint8Array(SLOTS);
  private readonly waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private done: { resolve: (reply: Done) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;

  private constructor() {
    const data: HashWorkerData = { shared: this.shared, slotBytes: SLOT_BYTES };
    // No execArgv: flags of the parent may not apply to a worker file.
    this.worker = new Worker(WORKER_URL, { execArgv: [], workerData: data });
    this.worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'hashed') this.release(reply.slot);
      else this.done?.resolve(reply);
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', () => this.fail(new Error('the hash worker stopped')));
  }

  /** Undefined on one CPU, or when run from source (no compiled worker). */
  static start(): SlotHasher | undefined {
    if (availableParallelism() < 2 || !existsSync(fileURLToPath(WORKER_URL))) return undefined;
    return new SlotHasher();
  }

  /** The stream's chunks, unchanged, each once copied into the ring; every filled slot (and the last) goes to the worker. */
  async *share(stream: Readable, onChunk?: (chunk: Buffer) => void): AsyncGenerator<Buffer> {
    let slot = 0;
    let filled = 0;
    for await (const data of stream) {
      const chunk = data as Buffer;
      onChunk?.(chunk);
      let at = 0;
      while (at < chunk.length) {
        if (filled === 0) await this.free(slot);
        const copied = chunk.copy(Buffer.from(this.shared, slot * SLOT_BYTES, SLOT_BYTES), filled, at);
        filled += copied;
        at += copied;
        if (filled === SLOT_BYTES) {
          this.hand(slot, filled);
          slot = (slot + 1) % SLOTS;
          filled = 0;
        }
      }
      yield chunk;
    }
    if (filled > 0) this.hand(slot, filled);
  }

  /** Once every slot was handed: the whole object's digest and the entries'. */
  async finish(): Promise<HashedDownload> {
    const reply = await new Promise<Done>((resolve, reject) => {
      if (this.failure !== undefined) return reject(this.failure);
      this.done = { resolve, reject };
      this.post({ type: 'end' });
    });
    return { object: { sha256: reply.sha256, size: reply.size }, entries: ContentDigests.fromShared(reply.entries) };
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }

  private hand(slot: number, length: number): void {
    this.busy[slot] = 1;
    this.post({ type: 'slot', slot, length });
  }

  private post(message: HashWorkerMessage): void {
    this.worker.postMessage(message);
  }

  private free(slot: number): Promise<void> | undefined {
    if (this.failure !== undefined) throw this.failure;
    if (this.busy[slot] === 0) return undefined;
    return new Promise((resolve, reject) => this.waiting.set(slot, { resolve, reject }));
  }

  private release(slot: number): void {
    this.busy[slot] = 0;
    const waiter = this.waiting.get(slot);
    this.waiting.delete(slot);
    waiter?.resolve();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
    this.done?.reject(error);
  }
}
