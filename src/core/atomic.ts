import { randomBytes } from 'node:crypto';
import { link, lstat, open, readdir, rename, rm, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { environmentError, inputError, type PacketError } from './errors.js';
import { removeOnInterrupt } from './interrupt.js';

/**
 * Outputs are written to a temporary file beside the target and renamed into place, so a
 * reader (or a crash) sees either the old complete file or the new complete file, never a
 * partial one. The temporary name is `.<target name>.<owner pid>.<random>.tmp` (`.spool` for a
 * build's spool folder): the pid lets a later run tell a killed process's leftovers from the
 * work of one still running (see `sweepLeftovers`).
 */
export function temporarySibling(target: string, kind: 'tmp' | 'spool' = 'tmp'): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.${kind}`);
}

/**
 * Remove the temporary files and folders that earlier runs left beside `target` when they were
 * killed (SIGKILL, power loss): only names of the form `temporarySibling` makes, and only when
 * their owner process no longer exists. Returns the names removed.
 */
export async function sweepLeftovers(target: string): Promise<string[]> {
  const dir = dirname(target);
  const prefix = `.${basename(target)}.`;
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(\d{1,10})\.[0-9a-f]{8}\.(?:tmp|spool)$/.exec(name.slice(prefix.length));
    if (match === null) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || processExists(pid)) continue;
    await rm(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed.sort();
}

/** Whether a process with this pid exists on this machine (one we may not signal still exists). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

export interface AtomicFile {
  readonly tempPath: string;
  readonly handle: FileHandle;
  /** fsync, close, rename over the target. */
  commit(): Promise<void>;
  /** close and remove the temporary file; safe to call after a failed commit. */
  abort(): Promise<void>;
}

export interface AtomicOptions {
  mode?: number;
  /**
   * fsync the file before the rename (survives power loss, not just a killed process). On by
   * default; a large build may turn it off, since the rename alone already guarantees that a
   * killed build leaves the old file or the new one, never a partial one.
   */
  durable?: boolean;
  /**
   * Replace a file already at the target (the default). With false, an existing target is never
   * touched: the commit fails with OUTPUT_EXISTS, decided atomically (a hard link, which cannot
   * overwrite), so that a file appearing meanwhile is not lost either.
   */
  replace?: boolean;
}

export async function openAtomic(target: string, options: AtomicOptions = {}): Promise<AtomicFile> {
  const mode = options.mode ?? 0o644;
  const tempPath = temporarySibling(target);
  // Registered before it exists (the name is ours alone), so no signal can leave it behind.
  const forget = removeOnInterrupt(tempPath);
  let handle: FileHandle;
  try {
    handle = await open(tempPath, 'wx', mode);
  } catch (error) {
    forget();
    throw error;
  }
  let closed = false;
  const close = async (): Promise<void> => {
    if (!closed) {
      closed = true;
      await handle.close();
    }
  };
  return {
    tempPath,
    handle,
    async commit() {
      if (options.durable !== false) await handle.sync();
      await close();
      if (options.replace === false) await linkNew(tempPath, target);
      else await rename(tempPath, target);
      forget();
      await syncDirectory(dirname(target));
    },
    async abort() {
      await close().catch(() => undefined);
      await unlink(tempPath).catch(() => undefined);
      forget();
    },
  };
}

/**
 * Put the finished temporary file at `target` only if nothing is there: link(2) fails with EEXIST
 * rather than overwrite. Where the file system has no hard links, a check and a rename do.
 */
async function linkNew(tempPath: string, target: string): Promise<void> {
  try {
    await link(tempPath, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw outputExists(target);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
    if ((await lstat(target).catch(() => undefined)) !== undefined) throw outputExists(target);
    await rename(tempPath, target);
    return;
  }
  await unlink(tempPath);
}

/** The one error for an output that is already there (exit 1, like every "in the way"; docs/exit-codes.md). */
export function outputExists(shown: string, hint = 'choose a new name, or pass --force to replace it'): PacketError {
  return inputError('OUTPUT_EXISTS', `${shown} already exists; nothing was written`, { hint });
}

/**
 * Refuse early, before any work is done, when an output is already there and --force was not
 * given. (The write itself checks again, atomically: see `replace` in AtomicOptions.)
 */
export async function refuseExisting(target: string, force: boolean, shown = target, hint?: string): Promise<void> {
  if (force) return;
  if ((await lstat(target).catch(() => undefined)) !== undefined) throw outputExists(shown, hint);
}

export async function writeFileAtomic(target: string, data: Uint8Array | string, mode = 0o644, options: { replace?: boolean } = {}): Promise<void> {
  const file = await openAtomic(target, { mode, ...options });
  try {
    await file.handle.writeFile(data);
    await file.commit();
  } catch (error) {
    await file.abort();
    throw error;
  }
}

/** Make a rename durable. Some file systems refuse to open a directory; that is not fatal. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // best effort
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

const OUTPUT_PROBLEMS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a file is where a folder is needed',
  EEXIST: 'a file is where a folder is needed',
  EISDIR: 'a folder is where a file is needed',
  ENOENT: 'the folder does not exist and cannot be created',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large for the file system',
  EIO: 'input/output error',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
};

/**
 * An error from writing an output, as the environment error (exit 3) that names the output; any
 * other value is returned unchanged.
 */
export function outputError(error: unknown, output: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const problem = code === undefined ? undefined : OUTPUT_PROBLEMS[code];
  if (problem === undefined) return error;
  return environmentError('OUTPUT_UNWRITABLE', `cannot write ${output}: ${problem}`, {
    cause: error,
    hint: 'choose an output on a writable file system, in a folder you may write to',
  });
}
