import { setFlagsFromString } from 'node:v8';

/**
 * For a command that streams gigabytes through sockets and files. Every read of a socket gets a
 * new 64 KiB buffer, and V8 frees those buffers' memory after each young-generation collection on
 * a background thread; on a busy machine (here: two cores shared with the store) that thread lags,
 * the memory counted as in use grows, and V8 answers with a full mark-compact every 100 ms or so.
 * Measured on a 1 GiB pull: 60 full collections and about 1 s of extra CPU per GiB, against 0 to
 * 5 and none when the buffers are freed during the collection itself, which this asks for (the
 * main thread's own time did not grow). A push allocates the same way (read chunks, and the
 * upload's parts copied from them): its peak RSS on 512 MiB pushes at load 3 to 6 was 166 and
 * 178 MiB with this against 184 and 182 MiB without. Process-wide; set before the transfer starts.
 */
export function tuneForLargeTransfers(): void {
  setFlagsFromString('--no-concurrent-array-buffer-sweeping');
}
