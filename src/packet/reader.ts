import { stat } from 'node:fs/promises';
import { fail, type Check } from '../core/result.js';
import { plural } from '../core/plural.js';
import { DEFAULT_LIMITS, MANIFEST, type PacketLimits, type UnsealedDir } from './format.js';
import { findManifest } from './header-pass.js';
import { ManifestChanged, ManifestFile } from './manifest-file.js';
import type { PacketMetadata } from './metadata.js';
import { MAX_LISTED_PER_CODE } from './problem-list.js';
import { ReadState } from './read-state.js';
import type { ContentDigests } from './tar-digests.js';
import { directoryEntries, SourceError } from './source.js';
import { readTar } from './tar-reader.js';
import { HEADER_READ_CHUNK, READ_CHUNK } from './chunks.js';

export { listPayloadFiles } from './header-pass.js';
export { MAX_LISTED_PER_CODE } from './problem-list.js';

export interface PacketReading {
  form: 'tar' | 'directory';
  /** Integrity checks, in the order they were made. */
  checks: Check[];
  /** True when every integrity check passed. */
  intact: boolean;
  /** SHA-256 of manifest.sha256 (the packet digest), when the manifest was found. */
  digest?: string;
  /** The manifest's bytes, when it was found (unless `keepManifest` is false). */
  manifestBytes?: Buffer;
  metadata?: PacketMetadata;
  /** Bytes of signatures/, timestamps/ and keys/ files, by fingerprint. */
  unsealed: Record<UnsealedDir, Map<string, Buffer>>;
  /** Payload files the manifest lists, with size and listed SHA-256: only with `listPayload` (it grows with the packet). */
  payload: { path: string; size: number; sha256: string }[];
}

export interface ReadOptions {
  limits?: PacketLimits;
  /** Called as bytes pass (for progress display). */
  onProgress?: (bytes: number) => void;
  /** Fill `payload` with every payload file seen (memory grows with the number of files). */
  listPayload?: boolean;
  /**
   * Keep the manifest's bytes in `manifestBytes` (default true): signature checks need them.
   * Without them memory does not grow with the number of files (a million-line manifest is
   * about 90 MB).
   */
  keepManifest?: boolean;
  /**
   * SHA-256s of the tar's entry contents taken while its bytes streamed in (a download, see
   * TarDigester): entries they cover exactly are judged by them instead of being read again.
   * Only for a tar file holding the very bytes that were streamed.
   */
  contentDigests?: ContentDigests;
  /**
   * With `contentDigests` still being taken as the bytes stream elsewhere (a push's upload):
   * resolves once they cover everything before file offset `end`, or once no more will come.
   */
  contentDigestsReach?: (end: number) => Promise<void>;
}

/**
 * Read a packet (tar file or unpacked folder): find and check the manifest first, then stream
 * every entry once, hashing each listed file as it passes and comparing it at once. Nothing is
 * kept per file but a byte or two of state per manifest line; the manifest stays on disk and is
 * read back a block at a time, checked against the digests taken in the first pass. An entry
 * the manifest does not list, or one over its size limit, is rejected without its content being
 * read. Only packet.json, VERIFY.md and unsealed files are held in memory (each bounded). Never
 * writes anything; never throws for anything wrong with the packet itself.
 */
export async function readPacket(path: string, options: ReadOptions = {}): Promise<PacketReading> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const info = await stat(path).catch(() => undefined);
  const form = info?.isDirectory() === true ? 'directory' : 'tar';
  const reading: PacketReading = {
    form,
    checks: [],
    intact: false,
    unsealed: { signatures: new Map(), timestamps: new Map(), keys: new Map() },
    payload: [],
  };
  if (info === undefined || (!info.isDirectory() && !info.isFile())) {
    reading.checks.push(fail('packet.read', 'PACKET_NOT_FOUND', `${path} is not a packet file or folder`));
    return reading;
  }
  // With the contents' digests already taken, both passes read headers and small files: small
  // reads keep their buffers small (a push holds them while its upload runs).
  const chunkSize = options.contentDigests === undefined ? READ_CHUNK : HEADER_READ_CHUNK;
  const location = await findManifest(path, form, limits, chunkSize);
  const scan = location === undefined ? undefined : ManifestFile.scan(location, limits, MAX_LISTED_PER_CODE, options.keepManifest !== false);
  const manifestProblems: Check[] = [];
  if (scan !== undefined) {
    reading.digest = scan.digest;
    if (scan.bytes !== undefined) reading.manifestBytes = scan.bytes;
    if (!scan.ok) {
      for (const problem of scan.problems) {
        manifestProblems.push(fail('manifest', problem.code, problem.message, { location: { file: MANIFEST, ...(problem.line === undefined ? {} : { line: problem.line }) } }));
      }
      if (scan.more > 0) manifestProblems.push(fail('manifest', 'MANIFEST_BAD_LINE', `${plural(scan.more, 'more line', 'more lines')} of ${MANIFEST} ${scan.more === 1 ? 'has a problem' : 'have problems'}`));
    }
  }
  const index = scan?.ok === true ? scan.manifest : undefined;
  const state = new ReadState(reading, limits, options, index, path);
  try {
    try {
      const source = form === 'tar' ? readTar(path, true, chunkSize) : directoryEntries(path);
      for await (const entry of source) {
        state.entries += 1;
        if (state.entries > limits.maxEntries) {
          state.problems.add(fail('packet.entries', 'TOO_MANY_ENTRIES', `the packet has more than ${limits.maxEntries} entries`));
          state.stopped = true;
          break;
        }
        await state.consume(entry);
      }
    } catch (error) {
      if (error instanceof ManifestChanged) throw error;
      const code = error instanceof SourceError ? error.code : 'TAR_CORRUPT';
      const message = error instanceof Error ? error.message : String(error);
      // Tricks in one entry are entry failures; a broken container is a read failure.
      const id = code.startsWith('ENTRY_') ? 'packet.entry' : 'packet.read';
      reading.checks.push(fail(id, code, message, { subject: path }));
      state.problems.drainInto(reading.checks);
      return reading;
    } finally {
      await state.settleHashes();
    }
    state.finish(scan !== undefined, manifestProblems);
  } catch (error) {
    if (!(error instanceof ManifestChanged)) throw error;
    // What the manifest said can no longer be told apart from what it says now.
    reading.checks = [fail('packet.read', 'PACKET_CHANGED', `${MANIFEST} changed while the packet was being read`)];
    return reading;
  } finally {
    index?.close();
  }
  reading.intact = reading.checks.every((c) => c.status !== 'fail');
  return reading;
}
