import type { FileHandle } from 'node:fs/promises';

/** Write every byte of `buffers`, in as many writev calls as it takes: one call may write less than it was given. */
export async function writevFully(handle: Pick<FileHandle, 'writev'>, buffers: readonly Uint8Array[]): Promise<void> {
  let pending = buffers.filter((buffer) => buffer.byteLength > 0);
  while (pending.length > 0) {
    const { bytesWritten } = await handle.writev(pending);
    let left = bytesWritten;
    const rest: Uint8Array[] = [];
    for (const buffer of pending) {
      if (left >= buffer.byteLength) left -= buffer.byteLength;
      else {
        rest.push(buffer.subarray(left));
        left = 0;
      }
    }
    pending = rest;
  }
}
