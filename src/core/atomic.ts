import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Outputs are written to a temporary file beside the target and renamed into place, so a
 * reader (or a crash) sees either the old complete file or the new complete file, never a
 * partial one. The temporary name starts with a dot and ends in `.tmp`.
 */
export function temporarySibling(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
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
}

export async function openAtomic(target: string, options: AtomicOptions = {}): Promise<AtomicFile> {
  const mode = options.mode ?? 0o644;
  const tempPath = temporarySibling(target);
  const handle = await open(tempPath, 'wx', mode);
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
      await rename(tempPath, target);
      await syncDirectory(dirname(target));
    },
    async abort() {
      await close().catch(() => undefined);
      await unlink(tempPath).catch(() => undefined);
    },
  };
}

export async function writeFileAtomic(target: string, data: Uint8Array | string, mode = 0o644): Promise<void> {
  const file = await openAtomic(target, { mode });
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
