import { chmod, mkdir, open, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PreparedBatch } from './small-batch.js';
import { TarWriter } from './tar-writer.js';
import { openAtomic, outputError, syncDirectory, temporarySibling, type AtomicFile } from '../core/atomic.js';
import { environmentError, inputError } from '../core/errors.js';
import { removeOnInterrupt } from '../core/interrupt.js';

/** Where entries go: a tar file or a folder. Either way nothing appears at the target until commit. */
export interface PacketSink {
  /** Add one file. `content` must yield exactly `size` bytes. `mtime` overrides the sink's fixed time (tar only). */
  add(path: string, size: number, content: Uint8Array | AsyncIterable<Uint8Array>, mtime?: Date): Promise<void>;
  /** Add the files `from` to `to` (exclusive) of a prepared batch, all of them prepared (none left to the caller). */
  addBatch(batch: PreparedBatch, from: number, to: number): Promise<void>;
  /** Whether addBatch needs the batch's `paths` (the unpacked form writes each file on its own). */
  readonly needsPaths: boolean;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export type OutputForm = 'tar' | 'directory';

/** `--out DIR/` or an existing folder means the unpacked form; anything else is a tar file. */
export async function outputFormOf(out: string): Promise<OutputForm> {
  if (out.endsWith('/')) return 'directory';
  const info = await stat(out).catch(() => undefined);
  return info?.isDirectory() === true ? 'directory' : 'tar';
}

/** The mode of every payload file, in the tar and in the unpacked form. */
export const FILE_MODE = 0o644;
const DIR_MODE = 0o755;

/**
 * Deterministic tar (POSIX ustar, pax headers for long or non-ASCII names): fixed mtime,
 * uid/gid 0, empty user and group names, mode 0644, no directory entries, entries in the order
 * added (the caller adds them in the canonical order).
 */
export async function createTarSink(target: string, mtime: Date, durable = true, replace = true): Promise<PacketSink> {
  const file: AtomicFile = await openAtomic(target, { durable, replace }).catch((error: unknown) => {
    throw outputError(error, target);
  });
  // Errors of the output (a full disk) name the output; errors of the content are the input's.
  const writer = new TarWriter({
    writev: (buffers) =>
      file.handle.writev(buffers).catch((error: unknown) => {
        throw outputError(error, target);
      }),
  });
  let failed = false;
  return {
    async add(path, size, content, entryTime) {
      try {
        await writer.add({ path, size, mode: FILE_MODE, mtime: entryTime ?? mtime }, content, () =>
          inputError('FILE_CHANGED', `${path} changed size while it was being packed`),
        );
      } catch (error) {
        failed = true;
        throw error;
      }
    },
    needsPaths: false,
    async addBatch(batch, from, to) {
      const start = from === 0 ? 0 : (batch.entryEnds[from - 1] as number);
      try {
        await writer.addEntries(batch.tar.subarray(start, batch.entryEnds[to - 1]));
      } catch (error) {
        failed = true;
        throw error;
      }
    },
    async commit() {
      if (failed) throw new Error('cannot commit a failed packet');
      await writer.finish();
      await file.commit().catch((error: unknown) => {
        throw outputError(error, target);
      });
    },
    async abort() {
      await file.abort();
    },
  };
}

/**
 * The unpacked form: files are written into a temporary folder beside the target, which is
 * renamed into place on commit. An existing empty folder at the target is replaced; a non-empty
 * one is never touched.
 */
export async function createDirectorySink(target: string): Promise<PacketSink> {
  await assertReplaceableDirectory(target);
  const temp = temporarySibling(target.replace(/\/+$/, ''));
  const asOutput = (error: unknown): never => {
    throw outputError(error, target);
  };
  // Registered before it exists: the name is ours alone, and a signal handled while mkdir is
  // in flight must not leave the folder behind.
  const forget = removeOnInterrupt(temp);
  await mkdir(temp, { mode: DIR_MODE }).catch((error: unknown) => {
    forget();
    return asOutput(error);
  });
  await chmod(temp, DIR_MODE);
  const made = new Set<string>();
  const sink: PacketSink = {
    needsPaths: true,
    async addBatch(batch, from, to) {
      const paths = batch.paths ?? [];
      for (let i = from; i < to; i += 1) {
        const at = batch.contentAt[i] as number;
        const size = batch.sizes[i] as number;
        await sink.add(paths[i] as string, size, batch.tar.subarray(at, at + size));
      }
    },
    async add(path, size, content) {
      const destination = join(temp, path);
      await makeParents(temp, path, made).catch(asOutput);
      const handle = await open(destination, 'wx', FILE_MODE).catch(asOutput);
      try {
        let total = 0;
        const chunks = content instanceof Uint8Array ? [content] : content;
        for await (const chunk of chunks) {
          total += chunk.byteLength;
          for (let offset = 0; offset < chunk.byteLength; ) {
            offset += (await handle.write(chunk, offset, chunk.byteLength - offset).catch(asOutput)).bytesWritten;
          }
        }
        if (total !== size) throw inputError('FILE_CHANGED', `${path} changed size while it was being packed`);
        await handle.chmod(FILE_MODE);
      } finally {
        await handle.close();
      }
    },
    async commit() {
      await assertReplaceableDirectory(target);
      const clean = target.replace(/\/+$/, '');
      await rmdir(clean).catch(() => undefined);
      await rename(temp, clean).catch(asOutput);
      forget();
      await syncDirectory(dirname(clean));
    },
    async abort() {
      await rm(temp, { recursive: true, force: true });
      forget();
    },
  };
  return sink;
}

async function makeParents(root: string, path: string, made: Set<string>): Promise<void> {
  const parts = path.split('/').slice(0, -1);
  let current = '';
  for (const part of parts) {
    current = current === '' ? part : `${current}/${part}`;
    if (made.has(current)) continue;
    const dir = join(root, current);
    await mkdir(dir, { mode: DIR_MODE }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    await chmod(dir, DIR_MODE);
    made.add(current);
  }
}

async function assertReplaceableDirectory(target: string): Promise<void> {
  const info = await stat(target).catch(() => undefined);
  if (info === undefined) return;
  if (!info.isDirectory()) {
    throw environmentError('OUTPUT_UNWRITABLE', `cannot write ${target}: a file is where a folder is needed`, {
      hint: 'choose a new folder for the unpacked packet, or a name ending in .packet.tar for the tar form',
    });
  }
  if ((await readdir(target)).length > 0) {
    throw inputError('OUTPUT_NOT_EMPTY', `${target} exists and is not empty`, { hint: 'choose a new folder, or remove the old one first' });
  }
}
