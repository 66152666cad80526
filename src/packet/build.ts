import { createHash } from 'node:crypto';
import { lstat, mkdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { formatRfc3339 } from '../core/time.js';
import { inputError, usageError } from '../core/errors.js';
import { outputError, sweepLeftovers, temporarySibling } from '../core/atomic.js';
import { removeOnInterrupt } from '../core/interrupt.js';
import { toolVersion } from '../core/version.js';
import { loadRuleSet, type RedactionRecord, type RuleSet } from '../redact/index.js';
import { FORMAT, MANIFEST, MAX_PAYLOAD_FILES, PACKET_JSON, VERIFY_MD } from './format.js';
import { countInputs, walkInputs } from './inputs.js';
import { LineSpool } from './line-spool.js';
import { renderVerifyMd, serializeMetadata, type PacketMetadata, type RedactionSummary } from './metadata.js';
import { preparePayload } from './payload.js';
import { PayloadPool } from './payload-pool.js';
import { fromWire } from './wire-error.js';
import { unpackBatch, walkHere, walkInWorker, type PackedBatch } from './walk-source.js';
import { prepareBatch, type BatchNote, type PreparedBatch } from './small-batch.js';
import { createDirectorySink, createTarSink, FILE_MODE, outputFormOf, type OutputForm, type PacketSink } from './writer.js';

export interface BuildOptions {
  inputs: string[];
  out: string;
  name?: string;
  created: Date;
  tenant?: string;
  environment?: string;
  operation?: string;
  rulesFile?: string;
  strict?: boolean;
  followSymlinks?: boolean;
  /** Replace an existing packet file at `out` (its signatures and time-stamps are lost). */
  force?: boolean;
  /** Prepare small files in worker threads when there are many (default true). */
  workers?: boolean;
  /** fsync the packet before renaming it into place (slower; survives power loss). */
  fsync?: boolean;
  cwd: string;
  /** Told the names of temporary files and folders that killed earlier builds left beside `out` (removed). */
  onLeftovers?: (names: string[]) => void;
  /** Called after each payload file (for progress display). */
  onProgress?: (done: { files: number; bytes: number; totalFiles: number; totalBytes: number }) => void;
}

export interface BuildResult {
  out: string;
  form: OutputForm;
  /** SHA-256 of manifest.sha256: the packet's name everywhere. */
  digest: string;
  metadata: PacketMetadata;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const LABEL = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

/**
 * Build a packet: collect inputs, redact and canonicalize, hash while writing, then seal with
 * packet.json, VERIFY.md and the manifest. Nothing appears at `out` unless the whole build
 * succeeds. Entries are written payload first (sorted by path bytes), then packet.json,
 * VERIFY.md and manifest.sha256, so one pass over the inputs suffices.
 */
export async function buildPacket(options: BuildOptions): Promise<BuildResult> {
  if (options.out.trim() === '') throw usageError('BAD_OUT', '--out must name a file or a folder');
  const out = resolve(options.cwd, options.out);
  const name = options.name ?? defaultName(options.out);
  if (!NAME.test(name)) {
    throw usageError('BAD_NAME', `packet name "${name}" must be 1-128 letters, digits, dots, dashes or underscores`);
  }
  for (const [flag, value] of [['--tenant', options.tenant], ['--env', options.environment], ['--operation', options.operation]] as const) {
    if (value !== undefined && !LABEL.test(value)) throw usageError('BAD_LABEL', `${flag} "${value}" has characters that are not allowed`);
  }
  // The inputs' top level is checked before anything is written; deeper problems end the build as they are met.
  for await (const _ of walkInputs(options.inputs, { cwd: options.cwd, out, followSymlinks: options.followSymlinks ?? false })) break;
  const rules = await loadRuleSet(options.rulesFile === undefined ? undefined : resolve(options.cwd, options.rulesFile));
  const form = await outputFormOf(options.out);
  if (form === 'tar' && options.force !== true && (await stat(out).catch(() => undefined)) !== undefined) {
    throw inputError('OUTPUT_EXISTS', `${options.out} already exists`, {
      hint: 'a packet there may carry signatures; choose a new name, or pass --force to replace it',
    });
  }
  const target = out.replace(/\/+$/, '');
  await mkdir(dirname(target), { recursive: true }).catch((error: unknown) => {
    throw outputError(error, options.out);
  });
  const leftovers = await sweepLeftovers(target);
  if (leftovers.length > 0) options.onLeftovers?.(leftovers);
  const spoolDir = temporarySibling(target, 'spool');
  // Registered before it exists (the name is ours alone), so no signal can leave it behind.
  const forgetSpool = removeOnInterrupt(spoolDir);
  await mkdir(spoolDir, { mode: 0o700 }).catch((error: unknown) => {
    forgetSpool();
    throw outputError(error, options.out);
  });
  let sink: PacketSink;
  try {
    sink = form === 'tar' ? await createTarSink(out, options.created, options.fsync ?? false, options.force === true) : await createDirectorySink(out);
  } catch (error) {
    await rm(spoolDir, { recursive: true, force: true });
    forgetSpool();
    throw error;
  }
  const pool: PoolHolder = { pool: undefined };
  try {
    const sealed = await writePayload(sink, rules, options, out, spoolDir, pool);
    const metadata: PacketMetadata = {
      format: FORMAT,
      name,
      payloadDigest: sealed.payloadDigest,
      created: formatRfc3339(options.created),
      ...(options.operation === undefined ? {} : { operation: options.operation }),
      ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
      ...(options.environment === undefined ? {} : { environment: options.environment }),
      tool: { name: 'evidence-packet', version: toolVersion() },
      files: { count: sealed.count, bytes: sealed.bytes },
      redaction: { ...sealed.redaction, rules: options.rulesFile === undefined ? 'default' : `default+${basename(options.rulesFile)}` },
    };
    const packetJson = serializeMetadata(metadata);
    const verifyMd = renderVerifyMd(metadata);
    await sink.add(PACKET_JSON, packetJson.byteLength, packetJson);
    await sink.add(VERIFY_MD, verifyMd.byteLength, verifyMd);
    // In byte order "VERIFY.md" < "packet.json" < "payload/...": the two lines go before the spooled payload lines.
    const head = Buffer.from(`${sha256Hex(verifyMd)}  ${VERIFY_MD}\n${sha256Hex(packetJson)}  ${PACKET_JSON}\n`, 'utf8');
    const manifestHash = createHash('sha256');
    await sink.add(MANIFEST, head.byteLength + sealed.lines.size, hashing(sealed.lines.withHead(head), manifestHash, () => undefined));
    await sink.commit();
    return { out, form, digest: manifestHash.digest('hex'), metadata };
  } catch (error) {
    await sink.abort();
    throw error;
  } finally {
    await pool.pool?.close();
    await rm(spoolDir, { recursive: true, force: true });
    forgetSpool();
  }
}

interface PoolHolder {
  pool: PayloadPool | undefined;
  /** Started once at most (it may be unavailable). */
  tried?: boolean;
}

interface SealedPayload {
  /** The manifest lines of the payload files, in order, spooled to disk. */
  lines: LineSpool;
  /** SHA-256 of those lines (packet.json's payloadDigest). */
  payloadDigest: string;
  count: number;
  bytes: number;
  redaction: Omit<RedactionSummary, 'rules'>;
}

/** Files go to the worker pool in batches of about this many bytes of output, and this many files at most and at least. */
const BATCH_BYTES = 4 * 2 ** 20;
const BATCH_FILES_MAX = 512;
const BATCH_FILES_MIN = 16;
/** A tar block: the least a file takes in a batch. */
const BLOCK_BYTES = 512;
/** Batches queued ahead of the writer (bounds memory: at most this many batches in flight). */
const AHEAD = 8;
/** Batch memory kept for reuse. */
const SPARE_BATCHES = 4;
/** Below this many files, starting workers costs more than it saves. */
const POOL_AFTER_FILES = 256;

/** A batch of files listed by the walk: prepared by the pool (already asked), or here when written. */
type Slot = { count: number; packed?: PackedBatch; prepared?: Promise<PreparedBatch> };

/**
 * Stream the payload: walk the inputs in packet order, hand the files to the worker pool in
 * batches (read, redacted, hashed and formatted as tar entries there), stream the large ones
 * here, and write everything in order while later batches are still being prepared. Per file
 * only its manifest line is kept, and that goes to a spool file.
 */
async function writePayload(sink: PacketSink, rules: RuleSet, options: BuildOptions, out: string, spoolDir: string, holder: PoolHolder): Promise<SealedPayload> {
  const collect = { cwd: options.cwd, out, followSymlinks: options.followSymlinks ?? false };
  const totals = options.onProgress === undefined ? { files: 0, bytes: 0 } : await countInputs(options.inputs, collect);
  const lines = new LineSpool(join(spoolDir, 'manifest.lines'));
  const payloadHash = createHash('sha256');
  const redaction: Omit<RedactionSummary, 'rules'> = { total: 0, files: [], notScanned: [], notCanonicalized: [] };
  const done = { files: 0, bytes: 0, inputBytes: 0 };
  const prepareOptions = { rules, strict: options.strict ?? false, spoolDir };
  const batchOptions = { ...prepareOptions, mode: FILE_MODE, mtime: options.created };
  const progress = (): void => options.onProgress?.({ files: done.files, bytes: done.inputBytes, totalFiles: totals.files, totalBytes: totals.bytes });

  const note = (path: string, entry: { kind?: string; records?: RedactionRecord[]; note?: string | undefined; binary?: true }): void => {
    if (entry.kind === 'binary' || entry.binary === true) redaction.notScanned.push(path);
    if (entry.note !== undefined) redaction.notCanonicalized.push({ file: path, reason: entry.note });
    for (const r of entry.records ?? []) {
      redaction.files.push({ file: path, ...r });
      redaction.total += r.count;
    }
  };

  /** A file too large for a batch: prepared and streamed here. */
  const writeLarge = async (source: string, path: string): Promise<void> => {
    const info = await lstat(source).catch((error: NodeJS.ErrnoException) => {
      throw inputError('INPUT_UNREADABLE', `${source} cannot be read (${error.code ?? 'error'})`, { cause: error });
    });
    if (!info.isFile()) throw inputError('FILE_CHANGED', `${source} changed while it was being packed`);
    const file = { source, path, size: info.size };
    const prepared = await preparePayload(file, prepareOptions);
    const hash = createHash('sha256');
    let counted = 0;
    if (prepared.content instanceof Uint8Array) {
      hash.update(prepared.content);
      counted = prepared.content.byteLength;
      await sink.add(path, prepared.size, prepared.content);
    } else {
      await sink.add(path, prepared.size, hashing(prepared.content(), hash, (n) => (counted += n)));
    }
    if (counted !== prepared.size) throw inputError('FILE_CHANGED', `${source} changed while it was being packed`);
    const line = Buffer.from(`${hash.digest('hex')}  ${path}\n`, 'utf8');
    payloadHash.update(line);
    lines.append(line);
    note(path, prepared);
    done.files += 1;
    done.bytes += prepared.size;
    done.inputBytes += file.size;
    progress();
  };

  let batchFiles = 64;
  /** The memory of batches written, handed back to the workers (or the next inline batch) to fill again. */
  const spare: ArrayBuffer[] = [];
  const writeSlot = async (slot: Slot): Promise<void> => {
    const batch = slot.prepared !== undefined ? await slot.prepared : prepareBatch(unpackBatch((slot.packed as PackedBatch).bytes), batchOptions, spare.pop(), sink.needsPaths);
    const prepared = batch.failure?.index ?? slot.count;
    let from = 0;
    let nextNote = 0;
    /** Files `from` to `to` (all prepared in the batch): their entries, lines and notes. */
    const writeRun = async (to: number): Promise<void> => {
      if (to > from) {
        await sink.addBatch(batch, from, to);
        const line = batch.lines.subarray(from === 0 ? 0 : batch.lineEnds[from - 1], batch.lineEnds[to - 1]);
        payloadHash.update(line);
        lines.append(line);
        for (let i = from; i < to; i += 1) {
          done.files += 1;
          done.bytes += batch.sizes[i] as number;
          done.inputBytes += batch.inputSizes[i] as number;
          progress(); // per file, as a terminal shows it (the display throttles)
        }
      }
      for (; nextNote < batch.notes.length && (batch.notes[nextNote]?.index as number) < to; nextNote += 1) {
        const entry = batch.notes[nextNote] as BatchNote;
        note(entry.path, entry);
      }
      from = to;
    };
    for (const file of batch.large) {
      if (file.index >= prepared) break;
      await writeRun(file.index);
      await writeLarge(file.source, file.path);
      from = file.index + 1;
    }
    await writeRun(prepared);
    if (batch.failure !== undefined) throw fromWire(batch.failure.error);
    if (spare.length < SPARE_BATCHES) spare.push(batch.tar.buffer as ArrayBuffer);
    // The next batches: about BATCH_BYTES of output each, judged by this one.
    const perFile = Math.max(BLOCK_BYTES, batch.tar.byteLength / Math.max(1, slot.count));
    batchFiles = Math.min(BATCH_FILES_MAX, Math.max(BATCH_FILES_MIN, Math.floor(BATCH_BYTES / perFile)));
  };

  const queue: Slot[] = [];
  const walk = (options.workers === false ? undefined : walkInWorker(options.inputs, collect)) ?? walkHere(options.inputs, collect);
  let seen = 0;
  try {
    for (;;) {
      const packed = await walk.next(batchFiles);
      if (packed === undefined) break;
      seen += packed.count;
      if (seen > MAX_PAYLOAD_FILES) {
        throw inputError('INPUT_TOO_MANY_FILES', `the inputs hold more than ${MAX_PAYLOAD_FILES} files, more than a packet may`, {
          hint: 'split the evidence into several packets',
        });
      }
      if (seen >= POOL_AFTER_FILES && holder.pool === undefined && !holder.tried && options.workers !== false) {
        holder.tried = true;
        holder.pool = PayloadPool.start({
          rulesFile: rules.file,
          strict: options.strict ?? false,
          mode: FILE_MODE,
          mtime: options.created,
        });
        // The batches still waiting go to the pool too: preparing them here would also make this
        // thread compile the whole preparation path, which the workers compile anyway.
        for (const slot of queue) if (slot.prepared === undefined) slot.prepared = holder.pool?.run(slot.packed as PackedBatch, spare.pop(), sink.needsPaths);
      }
      queue.push(holder.pool === undefined ? { count: packed.count, packed } : { count: packed.count, prepared: holder.pool.run(packed, spare.pop(), sink.needsPaths) });
      while (queue.length > AHEAD) await writeSlot(queue.shift() as Slot);
    }
    while (queue.length > 0) await writeSlot(queue.shift() as Slot);
  } finally {
    // Batches still in flight after a failure must not surface as unhandled rejections.
    for (const slot of queue) slot.prepared?.catch(() => undefined);
    lines.close();
    await walk.close();
  }
  return { lines, payloadDigest: payloadHash.digest('hex'), count: done.files, bytes: done.bytes, redaction };
}


async function* hashing(source: AsyncIterable<Uint8Array>, hash: ReturnType<typeof createHash>, count: (n: number) => void): AsyncIterable<Uint8Array> {
  for await (const chunk of source) {
    hash.update(chunk);
    count(chunk.byteLength);
    yield chunk;
  }
}

function defaultName(out: string): string {
  const base = basename(out.replace(/\/+$/, ''));
  return base.replace(/\.packet\.tar$/, '').replace(/\.tar$/, '') || 'packet';
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
