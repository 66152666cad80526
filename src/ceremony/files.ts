import { open } from 'node:fs/promises';
import { inputError } from '../core/errors.js';

/**
 * Read a small input file (a key, a signature) with its size checked before reading, so that
 * a huge or endless file (a device, a FIFO) is refused instead of loaded into memory.
 */
export async function readBoundedFile(path: string, max: number, what: string): Promise<Buffer> {
  const unreadable = (error: NodeJS.ErrnoException): never => {
    throw inputError('FILE_UNREADABLE', `${what} file ${path} cannot be read (${error.code ?? error.message})`);
  };
  const handle = await open(path, 'r').catch(unreadable);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw inputError('FILE_UNREADABLE', `${what} file ${path} is not a regular file`);
    if (info.size > max) throw inputError('FILE_TOO_LARGE', `${what} file ${path} is larger than ${max} bytes`);
    const buffer = Buffer.alloc(max + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length).catch(unreadable);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > max) throw inputError('FILE_TOO_LARGE', `${what} file ${path} is larger than ${max} bytes`);
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}
