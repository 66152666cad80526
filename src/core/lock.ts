import { hostname } from 'node:os';
import { closeSync, openSync, writeSync } from 'node:fs';
import { readFile, stat, unlink } from 'node:fs/promises';
import { environmentError } from './errors.js';
import { removeOnInterrupt } from './interrupt.js';

export interface LockOptions {
  /** Give up after this long (ms). */
  timeoutMs?: number;
}

/**
 * Run `work` while holding an exclusive lock file `<target>.lock`, so that two signers adding
 * to the same packet at the same moment are serialized instead of one update being lost.
 * A lock left by a process that no longer exists on this host (killed, crashed) is taken over.
 */
export async function withFileLock<T>(target: string, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const lockPath = `${target}.lock`;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const owner = `${process.pid}@${hostname()}`;
  let delay = 10;
  let forget = (): void => undefined;
  for (;;) {
    try {
      // Created and registered in the same turn of the event loop: a signal handled in between
      // would otherwise leave the lock behind (signals are delivered as loop events).
      const fd = openSync(lockPath, 'wx', 0o644);
      forget = removeOnInterrupt(lockPath);
      try {
        writeSync(fd, owner);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (await isStale(lockPath)) {
        await unlink(lockPath).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline) {
        throw environmentError('LOCKED', `${target} is locked by another packet process`, {
          hint: `if no other packet command is running, remove ${lockPath}`,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 200);
    }
  }
  try {
    return await work();
  } finally {
    await unlink(lockPath).catch(() => undefined);
    forget();
  }
}

async function isStale(lockPath: string): Promise<boolean> {
  let content: string;
  try {
    content = await readFile(lockPath, 'utf8');
  } catch {
    return false; // vanished or unreadable: retry the open
  }
  const match = /^(\d+)@(.*)$/.exec(content);
  if (match === null) {
    // An empty lock file is being written right now, or its writer was killed before writing.
    const info = await stat(lockPath).catch(() => undefined);
    return info !== undefined && Date.now() - info.mtimeMs > 5_000;
  }
  if (match[2] !== hostname()) return false;
  try {
    process.kill(Number(match[1]), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
