import { mkdir, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { sweepLeftovers, writeFileAtomic, temporarySibling, syncDirectory } from '../core/atomic.js';
import { inputError } from '../core/errors.js';
import { withFileLock } from '../core/lock.js';
import { compareByBytes, isSealedPath, MANIFEST, parseUnsealedPath, unsealedPath, type UnsealedDir } from './format.js';
import { readPacket, type PacketReading } from './reader.js';
import { readTar } from './tar-reader.js';
import { createTarSink } from './writer.js';

export interface UnsealedFile {
  dir: UnsealedDir;
  fingerprint: string;
  bytes: Buffer;
  /** Replace a file already there (keys may be refreshed); otherwise a different file there is an error. */
  replace?: boolean;
}

/**
 * Add signature, time-stamp or key files to a packet without touching its sealed part. Runs under
 * a lock on the packet so that two signers adding at the same moment both land, re-reads the
 * packet inside the lock, and refuses if the manifest is no longer the one `expectedDigest`
 * names. The tar form is rewritten to a temporary file and renamed over the original.
 */
export async function addUnsealedFiles(packetPath: string, expectedDigest: string, files: UnsealedFile[]): Promise<PacketReading> {
  const lockTarget = packetPath.replace(/\/+$/, '');
  return withFileLock(lockTarget, async () => {
    const reading = await readPacket(packetPath);
    if (!reading.intact || reading.digest === undefined) {
      throw inputError('PACKET_NOT_INTACT', `${packetPath} fails its integrity checks`, { hint: `run 'packet verify --integrity-only ${packetPath}' to see why` });
    }
    if (reading.digest !== expectedDigest) {
      throw inputError('PACKET_CHANGED', `${packetPath} is no longer the packet that was signed (its manifest changed)`);
    }
    const changes = files.filter((file) => {
      const existing = reading.unsealed[file.dir].get(file.fingerprint);
      if (existing === undefined) return true;
      if (existing.equals(file.bytes)) return false;
      if (file.replace === true) return true;
      throw inputError('ALREADY_PRESENT', `${unsealedPath(file.dir, file.fingerprint)} is already in the packet`, {
        hint: 'each key signs a packet once; remove the old file first if you really mean to replace it',
      });
    });
    if (changes.length === 0) return reading;
    // What killed runs left beside the packet goes first (only when their process is gone).
    await sweepLeftovers(lockTarget);
    if (reading.form === 'directory') await addToDirectory(lockTarget, changes);
    else await rewriteTar(packetPath, changes, new Set());
    for (const change of changes) reading.unsealed[change.dir].set(change.fingerprint, change.bytes);
    return reading;
  });
}

/**
 * Remove a fingerprint's signature, time-stamp and key files (whichever are there) under the
 * packet lock. The tar form is rewritten to a temporary file and renamed over the original, so
 * the change is atomic. In the folder form the files go one by one, time-stamp first and key
 * last, so that an interrupted removal leaves a valid (if incomplete) packet and can be rerun.
 */
export async function removeUnsealedFiles(packetPath: string, fingerprint: string): Promise<{ removed: string[]; reading: PacketReading }> {
  const lockTarget = packetPath.replace(/\/+$/, '');
  return withFileLock(lockTarget, async () => {
    const reading = await readPacket(packetPath);
    if (!reading.intact || reading.digest === undefined) {
      throw inputError('PACKET_NOT_INTACT', `${packetPath} fails its integrity checks`, { hint: `run 'packet verify --integrity-only ${packetPath}' to see why` });
    }
    const order: UnsealedDir[] = ['timestamps', 'signatures', 'keys'];
    const present = order.filter((dir) => reading.unsealed[dir].has(fingerprint));
    if (present.length === 0) {
      throw inputError('NOT_PRESENT', `${packetPath} holds no signature, time-stamp or key for ${fingerprint}`, { hint: `run 'packet status ${packetPath}' to list the signatures` });
    }
    const removed = present.map((dir) => unsealedPath(dir, fingerprint));
    if (reading.form === 'directory') {
      for (const path of removed) {
        const folder = join(lockTarget, path.slice(0, path.indexOf('/')));
        await unlink(join(lockTarget, path));
        // An empty unsealed folder is not allowed in a packet: it goes when its last file does.
        const gone = await rmdir(folder).then(() => true, () => false);
        await syncDirectory(gone ? lockTarget : folder);
      }
    } else {
      await rewriteTar(packetPath, [], new Set(removed));
    }
    for (const dir of present) reading.unsealed[dir].delete(fingerprint);
    return { removed, reading };
  });
}

async function addToDirectory(root: string, files: UnsealedFile[]): Promise<void> {
  for (const file of files) {
    const folder = join(root, file.dir);
    await mkdir(folder, { recursive: true, mode: 0o755 });
    const target = join(root, unsealedPath(file.dir, file.fingerprint));
    // Written beside the packet folder, then renamed in: a reader never sees a partial file.
    const temp = temporarySibling(root);
    await writeFileAtomic(temp, file.bytes);
    await rename(temp, target);
    await syncDirectory(folder);
  }
}

async function rewriteTar(packetPath: string, files: UnsealedFile[], removed: ReadonlySet<string>): Promise<void> {
  const info = await stat(packetPath);
  const added = new Map(files.map((f) => [unsealedPath(f.dir, f.fingerprint), f.bytes]));
  const unsealed = new Map<string, Buffer>();
  let mtime = info.mtime;
  const sink = await createTarSink(packetPath, new Date(0));
  try {
    // Sealed entries are copied in their order, with their bytes; unsealed ones are collected.
    for await (const entry of readTar(packetPath)) {
      if (entry.type !== 'file') continue;
      if (isSealedPath(entry.path) || entry.path === MANIFEST) {
        if (entry.path === MANIFEST && entry.mtime !== undefined) mtime = entry.mtime;
        await sink.add(entry.path, entry.size, entry.content, entry.mtime ?? mtime);
      } else if (parseUnsealedPath(entry.path) !== undefined && !removed.has(entry.path)) {
        const chunks: Buffer[] = [];
        for await (const chunk of entry.content) chunks.push(Buffer.from(chunk));
        unsealed.set(entry.path, Buffer.concat(chunks));
      }
    }
    for (const [path, bytes] of added) unsealed.set(path, bytes);
    for (const path of [...unsealed.keys()].sort(compareByBytes)) {
      const bytes = unsealed.get(path) as Buffer;
      await sink.add(path, bytes.byteLength, bytes, mtime);
    }
    await sink.commit();
  } catch (error) {
    await sink.abort();
    throw error;
  }
}
