import { createHash } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { formatRfc3339 } from '../core/time.js';
import { inputError, usageError } from '../core/errors.js';
import { outputError, sweepLeftovers, temporarySibling } from '../core/atomic.js';
import { removeOnInterrupt } from '../core/interrupt.js';
import { toolVersion } from '../core/version.js';
import { loadRuleSet, type RedactionRecord, type RuleSet } from '../redact/index.js';
import { FORMAT, MANIFEST, MAX_PAYLOAD_FILES, PACKET_JSON, VERIFY_MD } from './format.js';
import { countInputs, walkInputs, type InputFile } from './inputs.js';
import { LineSpool } from './line-spool.js';
import { renderVerifyMd, serializeMetadata, type PacketMetadata, type RedactionSummary } from './metadata.js';
import { preparePayload, SMALL_FILE_MAX } from './payload.js';
import { fromWire, PayloadPool, type WireError, type WirePrepared } from './payload-pool.js';
import { createDirectorySink, createTarSink, outputFormOf, type OutputForm, type PacketSink } from './writer.js';

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

/** Small files go to the worker pool in batches of this many files or bytes. */
const BATCH_FILES = 64;
const BATCH_BYTES = 4 * 2 ** 20;
/** Batches and large files queued ahead of the writer (bounds memory: at most this many batches in flight). */
const AHEAD = 8;
/** Below this many small files, starting workers costs more than it saves. */
const POOL_AFTER_SMALL_FILES = 256;

type Slot = { files: InputFile[]; prepared?: Promise<(WirePrepared | WireError)[]> };

/**
 * Stream the payload: walk the inputs in packet order, hand small files to the worker pool in
 * batches, prepare large ones here, and write everything in order while later batches are still
 * being prepared. Per file only its manifest line is kept, and that goes to a spool file.
 */
async function writePayload(sink: PacketSink, rules: RuleSet, options: BuildOptions, out: string, spoolDir: string, holder: PoolHolder): Promise<SealedPayload> {
  const collect = { cwd: options.cwd, out, followSymlinks: options.followSymlinks ?? false };
  const totals = options.onProgress === undefined ? { files: 0, bytes: 0 } : await countInputs(options.inputs, collect);
  const lines = new LineSpool(join(spoolDir, 'manifest.lines'));
  const payloadHash = createHash('sha256');
  const redaction: Omit<RedactionSummary, 'rules'> = { total: 0, files: [], notScanned: [], notCanonicalized: [] };
  const done = { files: 0, bytes: 0, inputBytes: 0 };
  const prepareOptions = { rules, strict: options.strict ?? false, spoolDir };

  const record = (file: InputFile, entry: { kind: string; size: number; records: RedactionRecord[]; note?: string | undefined }, sha256: string): void => {
    const line = Buffer.from(`${sha256}  ${file.path}\n`, 'utf8');
    payloadHash.update(line);
    lines.append(line);
    done.files += 1;
    done.bytes += entry.size;
    done.inputBytes += file.size;
    if (entry.kind === 'binary') redaction.notScanned.push(file.path);
    if (entry.note !== undefined) redaction.notCanonicalized.push({ file: file.path, reason: entry.note });
    for (const r of entry.records) {
      redaction.files.push({ file: file.path, ...r });
      redaction.total += r.count;
    }
    options.onProgress?.({ files: done.files, bytes: done.inputBytes, totalFiles: totals.files, totalBytes: totals.bytes });
  };

  const writeSlot = async (slot: Slot): Promise<void> => {
    if (slot.prepared !== undefined) {
      const results = await slot.prepared;
      for (const [i, file] of slot.files.entries()) {
        const result = results[i] as WirePrepared | WireError;
        if (!result.ok) throw fromWire(result.error);
        await sink.add(file.path, result.size, result.bytes);
        record(file, result, result.sha256);
      }
      return;
    }
    for (const file of slot.files) {
      const prepared = await preparePayload(file, prepareOptions);
      const hash = createHash('sha256');
      let counted = 0;
      if (prepared.content instanceof Uint8Array) {
        hash.update(prepared.content);
        counted = prepared.content.byteLength;
        await sink.add(file.path, prepared.size, prepared.content);
      } else {
        await sink.add(file.path, prepared.size, hashing(prepared.content(), hash, (n) => (counted += n)));
      }
      if (counted !== prepared.size) throw inputError('FILE_CHANGED', `${file.source} changed while it was being packed`);
      record(file, prepared, hash.digest('hex'));
    }
  };

  const queue: Slot[] = [];
  let batch: InputFile[] = [];
  let batchBytes = 0;
  let smallSeen = 0;
  const flush = (): void => {
    if (batch.length === 0) return;
    queue.push(holder.pool === undefined ? { files: batch } : { files: batch, prepared: holder.pool.run(batch) });
    batch = [];
    batchBytes = 0;
  };
  try {
    for await (const file of walkInputs(options.inputs, collect)) {
      if (done.files + queuedFiles(queue) + batch.length >= MAX_PAYLOAD_FILES) {
        throw inputError('INPUT_TOO_MANY_FILES', `the inputs hold more than ${MAX_PAYLOAD_FILES} files, more than a packet may`, {
          hint: 'split the evidence into several packets',
        });
      }
      if (file.size <= SMALL_FILE_MAX) {
        smallSeen += 1;
        if (smallSeen === POOL_AFTER_SMALL_FILES && options.workers !== false) holder.pool = PayloadPool.start(options.rulesFile === undefined ? undefined : resolve(options.cwd, options.rulesFile), options.strict ?? false);
        batch.push(file);
        batchBytes += file.size;
        if (batch.length >= BATCH_FILES || batchBytes >= BATCH_BYTES) flush();
      } else {
        flush();
        queue.push({ files: [file] });
      }
      while (queue.length > AHEAD) await writeSlot(queue.shift() as Slot);
    }
    flush();
    while (queue.length > 0) await writeSlot(queue.shift() as Slot);
  } finally {
    // Batches still in flight after a failure must not surface as unhandled rejections.
    for (const slot of queue) slot.prepared?.catch(() => undefined);
    lines.close();
  }
  return { lines, payloadDigest: payloadHash.digest('hex'), count: done.files, bytes: done.bytes, redaction };
}

function queuedFiles(queue: Slot[]): number {
  let n = 0;
  for (const slot of queue) n += slot.files.length;
  return n;
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
