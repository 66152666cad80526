/**
 * The folder backend: the locker layout in a local folder. For the demo, one machine, and offline
 * mirrors. It gives NO WORM guarantee: it never overwrites an object, makes objects read-only,
 * records retention and legal hold beside them (locks/<key>.json) and refuses what Object Lock
 * would refuse, but anyone with write access to the folder can change all of it.
 */
import { formatRfc3339 } from '../core/time.js';
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync, type Dirent } from 'node:fs';
import { chmod, link, lstat, mkdir, open, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { openAtomic, writeFileAtomic } from '../core/atomic.js';
import type { LockerBackend, LockState, PutFileOptions, RetentionMode, StoredObject } from './backend.js';
import { LockRefusedError } from './errors.js';
import { hashingFileStream, type ObjectDigest } from './hashing.js';
import { onInterrupt } from './interrupt.js';
import { writeAll } from './write-stream.js';

export const LOCKS_PREFIX = 'locks/';
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,254}$/;
const MAX_LOCK_RECORD_BYTES = 4096;

export class FolderBackend implements LockerBackend {
  readonly worm = false;
  readonly locks = true;
  readonly description: string;

  constructor(readonly root: string) {
    this.description = `folder ${root}`;
  }

  async open(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const info = await lstat(this.root);
    if (!info.isDirectory()) throw new Error(`${this.root} is not a folder`);
  }

  async putFile(key: string, file: string, options: PutFileOptions = {}): Promise<ObjectDigest> {
    // The stream ends only once `complete` resolved: the file is linked in place only then.
    const source = hashingFileStream(file, options);
    await this.putStream(key, source.stream);
    return source.digest();
  }

  /** Write a stream under `key`: to a temporary file, then linked in place (never replacing). */
  async putStream(key: string, stream: Readable, onProgress?: (bytes: number) => void): Promise<void> {
    const target = await this.prepare(key);
    if (await exists(target)) throw new ObjectExistsError(key);
    const out = await openAtomic(target, { mode: 0o444 });
    const done = onInterrupt(() => out.abort());
    try {
      await writeAll(stream, out.handle, { path: out.tempPath, ...(onProgress === undefined ? {} : { onChunk: (chunk) => onProgress(chunk.length) }) });
      await out.handle.sync();
      await out.handle.close();
      await linkNoReplace(out.tempPath, target, key);
    } finally {
      done();
      await out.abort();
    }
  }

  async putBytes(key: string, bytes: Buffer): Promise<boolean> {
    const target = await this.prepare(key);
    const out = await openAtomic(target, { mode: 0o444 });
    try {
      await out.handle.writeFile(bytes);
      await out.handle.sync();
      await out.handle.close();
      await linkNoReplace(out.tempPath, target, key);
      return true;
    } catch (error) {
      if (error instanceof ObjectExistsError) return false;
      throw error;
    } finally {
      await out.abort();
    }
  }

  async head(key: string): Promise<{ key: string; size: number } | undefined> {
    const info = await lstat(this.path(key)).catch(() => undefined);
    return info?.isFile() === true ? { key, size: info.size } : undefined;
  }

  async getBytes(key: string, maxBytes: number): Promise<Buffer | undefined> {
    // Small objects (index and ledger entries) are read synchronously: listing 10,000 of them
    // through the thread pool costs several times more than the reads themselves.
    let fd: number;
    try {
      fd = openSync(this.path(key), constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR') return undefined;
      throw error;
    }
    try {
      const info = fstatSync(fd);
      if (!info.isFile()) return undefined;
      if (info.size > maxBytes) throw new Error(`${key} is ${info.size} bytes; the limit is ${maxBytes}`);
      const bytes = Buffer.alloc(info.size);
      let offset = 0;
      while (offset < bytes.length) {
        const read = readSync(fd, bytes, offset, bytes.length - offset, offset);
        if (read === 0) break;
        offset += read;
      }
      return bytes.subarray(0, offset);
    } finally {
      closeSync(fd);
    }
  }

  async getStream(key: string): Promise<Readable | undefined> {
    if ((await this.head(key)) === undefined) return undefined;
    const handle = await open(this.path(key), constants.O_RDONLY | constants.O_NOFOLLOW);
    return handle.createReadStream();
  }

  async *list(prefix: string, details = false, startAfter?: string): AsyncIterable<StoredObject> {
    const found: StoredObject[] = [];
    await this.walk('', prefix, found, details, startAfter);
    // Keys are ASCII (SEGMENT), so comparing strings is comparing bytes.
    found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    yield* found;
  }

  async getLock(key: string): Promise<LockState> {
    const path = this.path(LOCKS_PREFIX + key + '.json');
    const info = await lstat(path).catch(() => undefined);
    if (info === undefined) return { legalHold: false };
    if (!info.isFile() || info.size > MAX_LOCK_RECORD_BYTES) throw new Error(`lock record of ${key} is not a small regular file`);
    const raw = JSON.parse(await readFile(path, 'utf8')) as { mode?: unknown; retainUntil?: unknown; legalHold?: unknown };
    const state: LockState = { legalHold: raw.legalHold === true };
    if (raw.mode === 'COMPLIANCE' || raw.mode === 'GOVERNANCE') state.mode = raw.mode;
    if (typeof raw.retainUntil === 'string' && !Number.isNaN(Date.parse(raw.retainUntil))) state.retainUntil = new Date(raw.retainUntil);
    return state;
  }

  async setRetention(key: string, mode: RetentionMode, retainUntil: Date): Promise<void> {
    if ((await this.head(key)) === undefined) throw new Error(`${key} does not exist`);
    const current = await this.getLock(key);
    // The same rules Object Lock applies (without a governance bypass): never shorten, never
    // weaken COMPLIANCE to GOVERNANCE.
    if (current.retainUntil !== undefined && retainUntil.getTime() < current.retainUntil.getTime()) {
      throw new LockRefusedError(`retention of ${key} cannot be shortened (${current.mode ?? 'retained'} until ${formatRfc3339(current.retainUntil)})`);
    }
    if (current.mode === 'COMPLIANCE' && mode !== 'COMPLIANCE') throw new LockRefusedError(`COMPLIANCE retention of ${key} cannot become ${mode}`);
    await this.writeLock(key, { mode, retainUntil, legalHold: current.legalHold });
  }

  async setLegalHold(key: string, on: boolean): Promise<void> {
    if ((await this.head(key)) === undefined) throw new Error(`${key} does not exist`);
    const current = await this.getLock(key);
    await this.writeLock(key, { ...current, legalHold: on });
  }

  async close(): Promise<void> {}

  /** The file of a key; every segment is checked, so no key can reach outside the root. */
  path(key: string): string {
    const segments = key.split('/');
    if (segments.some((segment) => !SEGMENT.test(segment))) throw new Error(`unsafe locker key ${JSON.stringify(key)}`);
    return join(this.root, ...segments);
  }

  private async prepare(key: string): Promise<string> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    return target;
  }

  private async writeLock(key: string, lock: LockState): Promise<void> {
    const target = await this.prepare(LOCKS_PREFIX + key + '.json');
    const record = { ...(lock.mode === undefined ? {} : { mode: lock.mode }), ...(lock.retainUntil === undefined ? {} : { retainUntil: lock.retainUntil.toISOString() }), legalHold: lock.legalHold };
    await writeFileAtomic(target, `${JSON.stringify(record)}\n`, 0o644);
  }

  /** Regular files only; links and anything else are skipped, never followed. */
  private async walk(relative: string, prefix: string, found: StoredObject[], details: boolean, startAfter: string | undefined): Promise<void> {
    const dir = relative === '' ? this.root : join(this.root, ...relative.split('/'));
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (!SEGMENT.test(entry.name)) continue;
      const key = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (prefix.startsWith(`${key}/`) || key.startsWith(prefix) || `${key}/`.startsWith(prefix)) await this.walk(key, prefix, found, details, startAfter);
      } else if (entry.isFile() && key.startsWith(prefix) && (startAfter === undefined || key > startAfter)) {
        if (!details) found.push({ key });
        else {
          const info = lstatSync(join(dir, entry.name), { throwIfNoEntry: false });
          if (info?.isFile() === true) found.push({ key, size: info.size, modified: info.mtimeMs });
        }
      }
    }
  }
}

export class ObjectExistsError extends Error {
  constructor(readonly key: string) {
    super(`${key} already exists`);
    this.name = 'ObjectExistsError';
  }
}

/** Put a finished temporary file in place without ever replacing an existing file. */
async function linkNoReplace(temp: string, target: string, key: string): Promise<void> {
  try {
    await link(temp, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new ObjectExistsError(key);
    throw error;
  }
  await chmod(target, 0o444).catch(() => undefined);
}

async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined)) !== undefined;
}
