import { createHash } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { formatRfc3339 } from '../core/time.js';
import { inputError, usageError } from '../core/errors.js';
import { outputError, sweepLeftovers, temporarySibling } from '../core/atomic.js';
import { removeOnInterrupt } from '../core/interrupt.js';
import { toolVersion } from '../core/version.js';
import { loadRuleSet, type RuleSet } from '../redact/index.js';
import { FORMAT, MANIFEST, PACKET_JSON, VERIFY_MD } from './format.js';
import { collectInputs } from './inputs.js';
import { serializeManifest, type ManifestEntry } from './manifest.js';
import { renderVerifyMd, serializeMetadata, type PacketMetadata, type RedactionSummary } from './metadata.js';
import { preparePayload } from './payload.js';
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
  const files = await collectInputs(options.inputs, { cwd: options.cwd, out, followSymlinks: options.followSymlinks ?? false });
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
  await mkdir(spoolDir, { mode: 0o700 }).catch((error: unknown) => {
    throw outputError(error, options.out);
  });
  const forgetSpool = removeOnInterrupt(spoolDir);
  let sink: PacketSink;
  try {
    sink = form === 'tar' ? await createTarSink(out, options.created, options.fsync ?? false) : await createDirectorySink(out);
  } catch (error) {
    await rm(spoolDir, { recursive: true, force: true });
    forgetSpool();
    throw error;
  }
  try {
    const sealed = await writePayload(files, sink, rules, options, spoolDir);
    const metadata: PacketMetadata = {
      format: FORMAT,
      name,
      payloadDigest: sha256Hex(serializeManifest(sealed.entries)),
      created: formatRfc3339(options.created),
      ...(options.operation === undefined ? {} : { operation: options.operation }),
      ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
      ...(options.environment === undefined ? {} : { environment: options.environment }),
      tool: { name: 'evidence-packet', version: toolVersion() },
      files: { count: files.length, bytes: sealed.bytes },
      redaction: { ...sealed.redaction, rules: options.rulesFile === undefined ? 'default' : `default+${basename(options.rulesFile)}` },
    };
    const packetJson = serializeMetadata(metadata);
    const verifyMd = renderVerifyMd(metadata);
    await sink.add(PACKET_JSON, packetJson.byteLength, packetJson);
    await sink.add(VERIFY_MD, verifyMd.byteLength, verifyMd);
    const manifest = serializeManifest([
      ...sealed.entries,
      { path: PACKET_JSON, sha256: sha256Hex(packetJson) },
      { path: VERIFY_MD, sha256: sha256Hex(verifyMd) },
    ]);
    await sink.add(MANIFEST, manifest.byteLength, manifest);
    await sink.commit();
    return { out, form, digest: sha256Hex(manifest), metadata };
  } catch (error) {
    await sink.abort();
    throw error;
  } finally {
    await rm(spoolDir, { recursive: true, force: true });
    forgetSpool();
  }
}

interface SealedPayload {
  entries: ManifestEntry[];
  bytes: number;
  redaction: Omit<RedactionSummary, 'rules'>;
}

async function writePayload(
  files: Awaited<ReturnType<typeof collectInputs>>,
  sink: PacketSink,
  rules: RuleSet,
  options: BuildOptions,
  spoolDir: string,
): Promise<SealedPayload> {
  const entries: ManifestEntry[] = [];
  const redaction: Omit<RedactionSummary, 'rules'> = { total: 0, files: [], notScanned: [], notCanonicalized: [] };
  const totalBytes = files.reduce((sum, f) => sum + f.size, 0);
  let bytes = 0;
  let inputBytes = 0;
  for (const [index, file] of files.entries()) {
    const prepared = await preparePayload(file, { rules, strict: options.strict ?? false, spoolDir });
    const hash = createHash('sha256');
    let counted = 0;
    if (prepared.content instanceof Uint8Array) {
      hash.update(prepared.content);
      counted = prepared.content.byteLength;
      await sink.add(file.path, prepared.size, prepared.content);
    } else {
      const source = prepared.content();
      await sink.add(file.path, prepared.size, hashing(source, hash, (n) => (counted += n)));
    }
    if (counted !== prepared.size) throw inputError('FILE_CHANGED', `${file.source} changed while it was being packed`);
    entries.push({ path: file.path, sha256: hash.digest('hex') });
    bytes += prepared.size;
    if (prepared.kind === 'binary') redaction.notScanned.push(file.path);
    if (prepared.note !== undefined) redaction.notCanonicalized.push({ file: file.path, reason: prepared.note });
    for (const record of prepared.records) {
      redaction.files.push({ file: file.path, ...record });
      redaction.total += record.count;
    }
    inputBytes += file.size;
    options.onProgress?.({ files: index + 1, bytes: inputBytes, totalFiles: files.length, totalBytes });
  }
  return { entries, bytes, redaction };
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
