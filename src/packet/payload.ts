import { closeSync, constants, createReadStream, createWriteStream, fstatSync, openSync, readFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { isAscii, isUtf8 } from 'node:buffer';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { canonicalize } from 'json-canonicalize';
import { inputError } from '../core/errors.js';
import {
  createTextRedactor,
  redactJsonValue,
  redactText,
  scanClearsAscii,
  scanForSecrets,
  type RedactionRecord,
  type RuleSet,
} from '../redact/index.js';
import type { InputFile } from './inputs.js';
import { fileChunks } from './chunks.js';

/** How a payload file was treated. */
export type PayloadKind = 'json' | 'text' | 'binary';

export interface PreparedPayload {
  kind: PayloadKind;
  size: number;
  /** The bytes to pack, in memory (small files) or streamed from disk. */
  content: Uint8Array | (() => AsyncIterable<Uint8Array>);
  records: RedactionRecord[];
  /** Why a .json file was kept as text, if it was. */
  note?: string;
}

/** Text files up to this size are redacted in memory; larger ones stream through the redactor. */
export const TEXT_IN_MEMORY_MAX = 4 * 2 ** 20;
/** JSON files up to this size are parsed and canonicalized; larger ones are treated as text. */
export const JSON_CANONICAL_MAX = 16 * 2 ** 20;
const SNIFF_BYTES = 8000;
/** Files up to this size are read whole and prepared in one synchronous step (in a worker, when a pool runs). */
export const SMALL_FILE_MAX = 256 * 1024;
/** The final scan of a spooled file holds at most about this many characters of one line. */
const SCAN_WINDOW_MAX = 2 * 2 ** 20;
const SCAN_OVERLAP = 64 * 1024;
const CHUNK = 1 << 20;

export interface PrepareOptions {
  rules: RuleSet;
  /** Refuse binary files instead of including them unscanned. */
  strict: boolean;
  /** Folder for spooling large redacted text (owned by the build). */
  spoolDir: string;
}

/**
 * Turn one input file into the bytes that go into the packet: binary files unchanged, JSON
 * redacted structurally then canonicalized (RFC 8785), other text redacted in place. Every
 * scanned file passes a final scan; a secret that survives redaction stops the build.
 */
export async function preparePayload(file: InputFile, options: PrepareOptions): Promise<PreparedPayload> {
  if (file.size <= SMALL_FILE_MAX) return prepareSmall(file, options);
  const handle = await openInput(file);
  try {
    const sniff = Buffer.alloc(Math.min(SNIFF_BYTES, file.size));
    const { bytesRead } = await handle.read(sniff, 0, sniff.length, 0);
    if (isBinary(sniff.subarray(0, bytesRead), bytesRead < file.size)) return binary(file, options);
    if (file.size <= TEXT_IN_MEMORY_MAX || (isJsonPath(file.path) && file.size <= JSON_CANONICAL_MAX)) {
      const bytes = await handle.readFile();
      if (bytes.byteLength !== file.size) throw fileChanged(file.source);
      const text = decodeUtf8(bytes);
      if (text === undefined) return binary(file, options);
      return prepareText(file, text, options);
    }
  } finally {
    await handle.close();
  }
  return streamText(file, options);
}

/**
 * Small files are read with one synchronous call. A build is a single sequential pass, so
 * nothing else waits on the event loop, and with thousands of small logs the per-file
 * round trips of asynchronous open/stat/read/close took most of the time.
 */
export function prepareSmall(file: InputFile, options: PrepareOptions): PreparedPayload {
  const fd = openInputSync(file.source);
  let bytes: Buffer | undefined;
  try {
    // Not a regular file any more (a FIFO or device swapped in): never read from it.
    bytes = fstatSync(fd).isFile() ? readFileSync(fd) : undefined;
  } catch (error) {
    throw unreadable(file.source, error);
  } finally {
    closeSync(fd);
  }
  if (bytes === undefined || bytes.byteLength !== file.size) throw fileChanged(file.source);
  return prepareBytes(file, bytes, options);
}

/**
 * A small file's bytes, read whole, as they go into the packet. Text that redaction leaves as it
 * was comes back as `bytes` itself (the caller may have read it straight into its output).
 */
export function prepareBytes(file: Pick<InputFile, 'path' | 'source' | 'size'>, bytes: Buffer, options: PrepareOptions): PreparedPayload {
  if (bytes.includes(0)) return binary(file, options, bytes);
  // Most logs: ASCII that the final scan clears as it is, so it goes in as read (see redactThenScan), told without decoding it.
  if (!isJsonPath(file.path) && isAscii(bytes) && !mayOpenBlockAscii(bytes) && scanClearsAscii(bytes, options.rules)) {
    return { kind: 'text', size: bytes.byteLength, content: bytes, records: [] };
  }
  const text = decodeUtf8(bytes);
  if (text === undefined) return binary(file, options, bytes);
  return prepareText(file, text, options, bytes);
}

function prepareText(file: Pick<InputFile, 'path' | 'source' | 'size'>, text: string, options: PrepareOptions, original?: Buffer): PreparedPayload {
  if (isJsonPath(file.path)) {
    const json = tryCanonicalJson(text, options.rules, file.path);
    if (json.ok) {
      finalScan(file, json.text, options.rules);
      return { kind: 'json', size: Buffer.byteLength(json.text), content: Buffer.from(json.text, 'utf8'), records: json.records };
    }
    const result = redactText(text, options.rules, { path: file.path });
    finalScan(file, result.text, options.rules);
    const bytes = Buffer.from(result.text, 'utf8');
    return { kind: 'text', size: bytes.byteLength, content: bytes, records: result.records, note: json.reason };
  }
  const result = redactThenScan(file, text, options.rules);
  const bytes = original !== undefined && result.records.length === 0 && result.text === text ? original : Buffer.from(result.text, 'utf8');
  return { kind: 'text', size: bytes.byteLength, content: bytes, records: result.records };
}

/**
 * A YAML block scalar opener (`password: |`, `key: >-`): redaction counts it without changing
 * the text, so a clean scan does not tell that it would record nothing.
 */
const BLOCK_OPENER = /:[ \t]*[|>]/;

function mayOpenBlock(text: string): boolean {
  // Most text has neither character: two quick searches before the pattern.
  return (text.includes('|') || text.includes('>')) && BLOCK_OPENER.test(text);
}

/** mayOpenBlock on the bytes of ASCII text: a `|` or `>` after `:` and blanks. */
function mayOpenBlockAscii(bytes: Buffer): boolean {
  for (const sign of [0x7c, 0x3e]) {
    for (let at = bytes.indexOf(sign); at !== -1; at = bytes.indexOf(sign, at + 1)) {
      let before = at - 1;
      while (before >= 0 && (bytes[before] === 0x20 || bytes[before] === 0x09)) before -= 1;
      if (before >= 0 && bytes[before] === 0x3a) return true;
    }
  }
  return false;
}

/**
 * redactText, then the final scan of its output. Most evidence text holds no secret: when the
 * final scan finds nothing in the text as it is, redaction would change nothing either (the scan
 * runs every redaction rule, in the same line engine, plus the leftover detectors and the leak
 * gate; a rule that fires is a finding), so the text is final after one pass instead of two.
 * Only a block scalar opener is recorded by redaction without a finding; such text takes both
 * passes. test/packet/redact-once.test.ts holds this against the redaction corpus.
 */
export function redactThenScan(file: Pick<InputFile, 'path'>, text: string, rules: RuleSet): { text: string; records: RedactionRecord[] } {
  if (!mayOpenBlock(text) && scanForSecrets(text, rules, { path: file.path }).length === 0) return { text, records: [] };
  const result = redactText(text, rules, { path: file.path });
  finalScan(file, result.text, rules);
  return result;
}

type CanonicalJson = { ok: true; text: string; records: RedactionRecord[] } | { ok: false; reason: string };

function tryCanonicalJson(text: string, rules: RuleSet, path: string): CanonicalJson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not valid JSON: kept as text, not canonicalized' };
  }
  if (hasImpreciseNumber(text)) {
    return { ok: false, reason: 'has numbers that RFC 8785 cannot keep exactly: kept as text, not canonicalized' };
  }
  const redacted = redactJsonValue(value, rules, { path });
  return { ok: true, text: canonicalize(redacted.value), records: redacted.records };
}

/**
 * RFC 8785 serializes numbers as IEEE doubles, so an integer with more than 15 significant digits
 * (a 64-bit id, say) would silently change. Evidence must not change meaning, so such files stay
 * text. Scans number tokens outside strings.
 */
export function hasImpreciseNumber(text: string): boolean {
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const m = /-?(\d+)(?:\.(\d+))?(?:[eE][+-]?\d+)?/y;
      m.lastIndex = i;
      const match = m.exec(text);
      if (match === null) continue;
      const digits = `${match[1] ?? ''}${match[2] ?? ''}`.replace(/^0+/, '').replace(/0+$/, '');
      if (digits.length > 15) return true;
      i += match[0].length - 1;
    }
  }
  return false;
}

let spoolCounter = 0;

async function streamText(file: InputFile, options: PrepareOptions): Promise<PreparedPayload> {
  spoolCounter += 1;
  const spool = join(options.spoolDir, `spool-${spoolCounter}.txt`);
  const redactor = createTextRedactor(options.rules, { path: file.path });
  await pipeline(createReadStream(file.source, { highWaterMark: CHUNK }), redactor, createWriteStream(spool, { mode: 0o600 }));
  const size = await scanSpool(file, spool, options.rules);
  return { kind: 'text', size, content: () => readRange(spool, size), records: redactor.records() };
}

/** Final scan of a spooled file, a line-aligned window at a time; returns its size. */
async function scanSpool(file: InputFile, spool: string, rules: RuleSet): Promise<number> {
  let size = 0;
  let carry = '';
  let lineOffset = 0;
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of createReadStream(spool, { highWaterMark: CHUNK })) {
    const buffer = chunk as Buffer;
    size += buffer.byteLength;
    const text = carry + decoder.decode(buffer, { stream: true });
    let cut = text.lastIndexOf('\n') + 1;
    if (cut === 0 && text.length > SCAN_WINDOW_MAX) {
      // One huge line: scan it in bounded windows that overlap, so memory stays flat.
      finalScan(file, text, rules, lineOffset);
      carry = text.slice(-SCAN_OVERLAP);
      continue;
    }
    const window = text.slice(0, cut);
    carry = text.slice(cut);
    finalScan(file, window, rules, lineOffset);
    lineOffset += countLines(window);
  }
  finalScan(file, carry + decoder.decode(), rules, lineOffset);
  return size;
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n += 1;
  return n;
}

function finalScan(file: Pick<InputFile, 'path'>, text: string, rules: RuleSet, lineOffset = 0): void {
  const finding = scanForSecrets(text, rules, { path: file.path })[0];
  if (finding !== undefined) {
    throw inputError('SECRET_REMAINS', `a secret (rule ${finding.rule}) remains after redaction`, {
      file: file.path,
      line: finding.line + lineOffset,
      hint: 'add a redaction rule for it in a --rules file, or allow-list it if it is not a secret',
    });
  }
}

function binary(file: Pick<InputFile, 'path' | 'source' | 'size'>, options: PrepareOptions, bytes?: Buffer): PreparedPayload {
  if (options.strict) {
    throw inputError('BINARY_FILE', `${file.path} is a binary file, which cannot be scanned for secrets`, {
      hint: 'remove it from the inputs, or build without --strict to include it unscanned',
    });
  }
  return { kind: 'binary', size: file.size, content: bytes ?? (() => readRange(file.source, file.size, file)), records: [] };
}

/**
 * Chunks handed to the packet writer are recycled: the writer hashes one while it writes the one
 * before (see ChunkReader), so a ring of four buffers is enough.
 */
const RING_FOR_WRITER = 4;

/** Exactly `size` bytes from a file; an error if the file is now shorter or longer. */
async function* readRange(path: string, size: number, file?: InputFile): AsyncIterable<Uint8Array> {
  let read = 0;
  for await (const chunk of fileChunks(path, RING_FOR_WRITER)) {
    read += chunk.byteLength;
    if (read > size) break;
    yield chunk;
  }
  if (read !== size) throw fileChanged(file?.source ?? path);
}

/** An input file that is no longer what the folder listing saw (size, type, a link swapped in). */
export function fileChanged(source: string): Error {
  return inputError('FILE_CHANGED', `${source} changed while it was being packed`, { hint: 'pack a stable copy of the evidence' });
}

/**
 * How every input file is opened: a link swapped in after the folder was listed is refused, not
 * followed (a followed link's source is already its real path), and a FIFO cannot block the open.
 */
const INPUT_OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

function unreadable(source: string, error: unknown): Error {
  return inputError('INPUT_UNREADABLE', `${source} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
}

function openError(source: string, error: unknown): Error {
  return (error as NodeJS.ErrnoException).code === 'ELOOP' ? fileChanged(source) : unreadable(source, error);
}

/** An input file's descriptor, opened with INPUT_OPEN_FLAGS (the caller checks it is still a regular file). */
export function openInputSync(source: string): number {
  try {
    return openSync(source, INPUT_OPEN_FLAGS);
  } catch (error) {
    throw openError(source, error);
  }
}

/** An input file opened with INPUT_OPEN_FLAGS, and still a regular file. */
async function openInput(file: InputFile): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(file.source, INPUT_OPEN_FLAGS);
  } catch (error) {
    throw openError(file.source, error);
  }
  const info = await handle.stat().catch(async (error: unknown) => {
    await handle.close();
    throw unreadable(file.source, error);
  });
  if (!info.isFile()) {
    await handle.close();
    throw fileChanged(file.source);
  }
  return handle;
}

function isJsonPath(path: string): boolean {
  return path.length >= 5 && path.slice(-5).toLowerCase() === '.json';
}

/** Binary if it has a NUL byte or is not UTF-8 (an incomplete sequence at a cut-off end is fine). */
function isBinary(sample: Buffer, truncated: boolean): boolean {
  if (sample.includes(0)) return true;
  let end = sample.length;
  if (truncated) {
    // Back off a possibly cut multi-byte sequence at the end of the sample.
    let back = 0;
    while (back < 3 && end - back > 0 && ((sample[end - back - 1] as number) & 0xc0) === 0x80) back += 1;
    if (end - back > 0 && ((sample[end - back - 1] as number) & 0xc0) === 0xc0) end -= back + 1;
  }
  return decodeUtf8(sample.subarray(0, end)) === undefined;
}

/**
 * The text of valid UTF-8 (a leading BOM kept as a character), else undefined. Checked with
 * `isUtf8` and decoded with `toString`: for thousands of small files this is several times
 * cheaper than a fatal TextDecoder, with the same result.
 */
function decodeUtf8(bytes: Uint8Array): string | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // ASCII (most logs) decodes the same as Latin-1, which is a plain copy.
  if (isAscii(bytes)) return buffer.toString('latin1');
  if (!isUtf8(bytes)) return undefined;
  return buffer.toString('utf8');
}
