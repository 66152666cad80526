import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import jsyaml from 'js-yaml';
import type { Document, LineCounter, Node } from 'yaml';
import { describeCause } from '../core/errors.js';
import type { SourceLocation } from '../core/result.js';

/** A contract file bigger than this is refused before it is read (checked with stat). */
export const MAX_CONTRACT_BYTES = 1024 * 1024;
/** YAML aliases a document may expand; a higher count is treated as an alias bomb. */
export const MAX_ALIAS_COUNT = 100;

/** One parsed contract document, with what is needed to point at its source. */
export interface SourceDocument {
  file: string;
  text: string;
  /** The plain JSON value of the document. */
  value: unknown;
  /**
   * The syntax tree with positions. Kept only while needed: it is rebuilt from the text on
   * demand, so thousands of valid files do not hold thousands of trees in memory.
   */
  syntax(): Syntax;
}

/** A document's positioned syntax tree, with the line starts its offsets are counted from. */
export type Syntax = { document: Document.Parsed; lineCounter: LineCounter };

/** Why a file could not be turned into a document. Codes are stable. */
export interface SourceProblem {
  code:
    | 'FILE_UNREADABLE'
    | 'FILE_TOO_LARGE'
    | 'BINARY_FILE'
    | 'EMPTY_DOCUMENT'
    | 'MULTIPLE_DOCUMENTS'
    | 'DUPLICATE_KEY'
    | 'ALIAS_LIMIT'
    | 'PARSE_ERROR';
  message: string;
  location: SourceLocation;
  cause?: string;
}

export type LoadResult = { ok: true; source: SourceDocument } | { ok: false; problem: SourceProblem };

/** Read a contract file: stat first (size limit), then read, decode strictly and parse. */
export async function loadContractFile(file: string, maxBytes = MAX_CONTRACT_BYTES): Promise<LoadResult> {
  return loadContractFileSync(file, maxBytes);
}

/**
 * The same, synchronously: many small files read faster with plain descriptors than with
 * promise-based file handles.
 */
/** How documents are parsed (from the validate config's `documents.yaml`). */
export interface ParseOptions {
  yamlVersion?: '1.1' | '1.2';
  maxAliases?: number;
}

/** Reused for every file: most contracts fit in it, and are then read without a stat. */
const FIRST_READ = Buffer.allocUnsafe(64 * 1024);

export function loadContractFileSync(file: string, maxBytes = MAX_CONTRACT_BYTES, options: ParseOptions = {}): LoadResult {
  let bytes: Buffer;
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const first = readInto(fd, FIRST_READ, 0);
    if (first < FIRST_READ.length) {
      // The whole file was read: its size is the length read.
      if (first > maxBytes) return problem(file, 'FILE_TOO_LARGE', `file is ${first} bytes, more than the limit of ${maxBytes} bytes for a contract`);
      // Parsed from the shared buffer: parseContractText decodes it to a string before it returns, and keeps no view of it.
      bytes = FIRST_READ.subarray(0, first);
    } else {
      const { size } = fstatSync(fd);
      if (size > maxBytes) {
        return problem(file, 'FILE_TOO_LARGE', `file is ${size} bytes, more than the limit of ${maxBytes} bytes for a contract`);
      }
      // Read at most one byte more than allowed: the file may have grown since stat.
      const buffer = Buffer.allocUnsafe(Math.min(size, maxBytes) + 1);
      const kept = FIRST_READ.copy(buffer, 0, 0, Math.min(first, buffer.length));
      const length = kept === buffer.length ? kept : readInto(fd, buffer, kept);
      if (length > maxBytes) return problem(file, 'FILE_TOO_LARGE', `file is larger than the limit of ${maxBytes} bytes for a contract`);
      bytes = buffer.subarray(0, length);
    }
  } catch (error) {
    return problem(file, 'FILE_UNREADABLE', 'file cannot be read', describeCause(error));
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return parseContractText(file, bytes, options);
}

/** Read until the buffer is full or the file ends; the length now in the buffer. */
function readInto(fd: number, buffer: Buffer, from: number): number {
  let length = from;
  while (length < buffer.length) {
    const read = readSync(fd, buffer, length, buffer.length - length, null);
    if (read === 0) break;
    length += read;
  }
  return length;
}

let yamlModule: typeof import('yaml') | undefined;

/**
 * The positioned YAML parser, loaded on first use: a run whose documents all take the fast path
 * and need no position never loads it.
 */
export function yaml(): typeof import('yaml') {
  yamlModule ??= createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return yamlModule;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const MAY_HOLD_ANCHOR_OR_ALIAS = /(?:^|[\s[\]{},])[&*][^\s[\]{},]/m;

/** Parse the bytes of a YAML or JSON contract (JSON is parsed as YAML 1.2, of which it is a subset). */
export function parseContractText(file: string, bytes: Uint8Array, options: ParseOptions = {}): LoadResult {
  const version = options.yamlVersion ?? '1.2';
  const maxAliases = options.maxAliases ?? MAX_ALIAS_COUNT;
  if (bytes.includes(0)) return problem(file, 'BINARY_FILE', 'file contains NUL bytes; a contract is UTF-8 text');
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return problem(file, 'BINARY_FILE', 'file is not valid UTF-8; a contract is UTF-8 text');
  }
  // The fast path reads YAML 1.2 only; YAML 1.1 documents (yes/no booleans) take the careful one.
  const fast = version === '1.2' ? fastParse(file, text) : undefined;
  if (fast !== undefined) return { ok: true, source: makeSource(file, text, fast, version) };
  const { LineCounter, parseDocument, isScalar } = yaml();
  const lineCounter = new LineCounter();
  let document: Document.Parsed;
  try {
    document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, version });
  } catch (error) {
    // The parser itself gave up (e.g. nesting too deep for the stack).
    return problem(file, 'PARSE_ERROR', 'file cannot be parsed as YAML or JSON', describeCause(error));
  }
  const first = document.errors[0];
  if (first !== undefined) {
    const code = first.code === 'DUPLICATE_KEY' ? 'DUPLICATE_KEY' : first.code === 'MULTIPLE_DOCS' ? 'MULTIPLE_DOCUMENTS' : 'PARSE_ERROR';
    const message =
      code === 'DUPLICATE_KEY'
        ? 'a key appears twice in the same mapping; keys must be unique'
        : code === 'MULTIPLE_DOCUMENTS'
          ? 'file holds more than one YAML document; put each contract in its own file'
          : `file is not valid YAML or JSON: ${firstLine(first.message)}`;
    return { ok: false, problem: { code, message, location: locate(file, lineCounter, first.pos[0], first.pos[1]) } };
  }
  if (document.contents === null || (isScalar(document.contents) && document.contents.value === null)) {
    return problem(file, 'EMPTY_DOCUMENT', 'file holds no contract (it is empty or only comments)');
  }
  if (file.endsWith('.json')) {
    try {
      JSON.parse(text);
    } catch (error) {
      // V8's message may quote the input (which could hold a secret): keep only the position.
      const position = /position (\d+)/.exec(describeCause(error))?.[1];
      const result: SourceProblem = {
        code: 'PARSE_ERROR',
        message: 'file is not valid JSON (JSON allows no comments, trailing commas or single quotes)',
        location: position === undefined ? { file } : locate(file, lineCounter, Number(position)),
      };
      return { ok: false, problem: result };
    }
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: maxAliases });
  } catch (error) {
    const message = describeCause(error);
    if (/alias/i.test(message)) {
      return problem(file, 'ALIAS_LIMIT', `document expands too many YAML aliases (limit ${maxAliases}); write the values out`, message);
    }
    return problem(file, 'PARSE_ERROR', 'file cannot be turned into data', message);
  }
  return { ok: true, source: makeSource(file, text, value, version) };
}

/**
 * The common case, a well-formed contract without anchors, parsed by js-yaml (YAML 1.2 core
 * schema, duplicate keys refused), about ten times faster than building the positioned syntax
 * tree; a YAML file written as plain JSON is read by JSON.parse, faster still. Anything unusual
 * (a parse error, several documents, an empty file, anchors or aliases, which js-yaml does not
 * bound) returns undefined and takes the careful path, which also produces the precise error
 * location. Positions for valid documents are built lazily, only when a later check needs one.
 */
function fastParse(file: string, text: string): unknown {
  try {
    const value = file.endsWith('.json') ? JSON.parse(text) : (plainJson(text) ?? loadWithoutAnchors(text));
    if (value === undefined || value === null) return undefined;
    // JSON.parse keeps the last of duplicate keys silently: let the careful path judge those.
    if (file.endsWith('.json') && scanJsonKeys(text).duplicate) return undefined;
    return value;
  } catch {
    return undefined;
  }
}

const JS_YAML_OPTIONS = { schema: jsyaml.CORE_SCHEMA, json: false };

/**
 * js-yaml's value, or undefined when the text defines an anchor: aliases are bounded only on the
 * careful path. An anchor or alias starts with & or * after a space, a line start or a flow
 * indicator; only texts where one may be (`a && b` in a quoted expression looks like one) pay
 * for listening to the parser to know whether one was defined.
 */
function loadWithoutAnchors(text: string): unknown {
  if (!MAY_HOLD_ANCHOR_OR_ALIAS.test(text)) return jsyaml.load(text, JS_YAML_OPTIONS);
  let anchors: Record<string, unknown> | undefined;
  const value = jsyaml.load(text, {
    ...JS_YAML_OPTIONS,
    listener(_event, state) {
      anchors ??= (state as unknown as { anchorMap: Record<string, unknown> }).anchorMap;
    },
  });
  return anchors !== undefined && Object.keys(anchors).length > 0 ? undefined : value;
}

const JSON_START = /^[ \r\n]*[{[]/;
/** Beyond printable ASCII, tabs, escapes, and numbers whose digits could round differently. */
const NOT_PLAIN = /[^\x20-\x7e\n\r]|\\|[0-9]{16}/;
const MAX_PLAIN_JSON_DEPTH = 64;

/**
 * A YAML text that is plain JSON (an object or array, printable ASCII without tabs or escapes,
 * no number of 16 digits or more, at most 64 levels deep, no repeated key), parsed with
 * JSON.parse: YAML 1.2 reads such a text as the same value js-yaml gives. Undefined otherwise.
 */
function plainJson(text: string): unknown {
  if (!JSON_START.test(text) || NOT_PLAIN.test(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const keys = scanJsonKeys(text);
  return keys.duplicate || keys.depth > MAX_PLAIN_JSON_DEPTH ? undefined : value;
}

/**
 * A cheap, conservative look at a JSON text's keys: whether a key repeats at one nesting depth
 * (comparing keys as written), and how deep the nesting goes.
 */
function scanJsonKeys(text: string): { duplicate: boolean; depth: number } {
  const stack: Set<string>[] = [];
  let depth = 0;
  const key = /"((?:[^"\\]|\\.)*)"\s*:|[{}\[\]]|"(?:[^"\\]|\\.)*"/g;
  for (const m of text.matchAll(key)) {
    const token = m[0];
    if (token === '{' || token === '[') {
      stack.push(new Set());
      depth = Math.max(depth, stack.length);
    } else if (token === '}' || token === ']') stack.pop();
    else if (m[1] !== undefined) {
      const keys = stack[stack.length - 1];
      if (keys === undefined) continue;
      if (keys.has(m[1])) return { duplicate: true, depth };
      keys.add(m[1]);
    }
  }
  return { duplicate: false, depth };
}

/** A SourceDocument from its text and parsed value (also used for results coming back from workers). */
export function makeSource(file: string, text: string, value: unknown, version: '1.1' | '1.2' = '1.2'): SourceDocument {
  let syntax: Syntax | undefined;
  const source: SourceDocument = {
    file,
    text,
    value,
    syntax() {
      syntax ??= syntaxOf(text, version);
      return syntax;
    },
  };
  return source;
}

/** The positioned syntax tree of a document's text (what {@link SourceDocument.syntax} gives). */
export function syntaxOf(text: string, version: '1.1' | '1.2'): Syntax {
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  return { document: parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, version }), lineCounter };
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? text).replace(/\.$/, '');
}

function problem(file: string, code: SourceProblem['code'], message: string, cause?: string): LoadResult {
  const result: SourceProblem = { code, message, location: { file } };
  if (cause !== undefined) result.cause = cause;
  return { ok: false, problem: result };
}

function locate(file: string, lineCounter: LineCounter, start: number, end?: number): SourceLocation {
  const from = lineCounter.linePos(start);
  const location: SourceLocation = { file, line: from.line, column: from.col };
  if (end !== undefined && end > start) {
    const to = lineCounter.linePos(end);
    location.endLine = to.line;
    location.endColumn = to.col;
  }
  return location;
}

/** One reference token of a JSON pointer (RFC 6901 section 3): `~` as `~0`, `/` as `~1`. */
export function escapePointerPart(part: string): string {
  // Most keys need no escaping; the check is far cheaper than two replacements.
  if (!part.includes('~') && !part.includes('/')) return part;
  return part.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Where a JSON pointer points in the source: the value node, or with `key` the key of that
 * property (for an unknown or missing property). Falls back to the nearest existing parent.
 */
export function locatePointer(source: SourceDocument, pointer: string, key?: string): SourceLocation {
  const path = pointer === '' ? [] : pointer.slice(1).split('/').map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  const { document, lineCounter } = source.syntax();
  const { isMap, isScalar } = yaml();
  let node: unknown = document.contents;
  let located: Node | undefined = isNode(node) ? node : undefined;
  for (const part of path) {
    const next = childOf(node, part);
    if (next === undefined) break;
    node = next.value;
    if (isNode(next.value)) located = next.value;
    else if (isNode(next.key)) located = next.key;
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
    if (pair !== undefined && isNode(pair.key)) located = pair.key;
  }
  const range = located?.range;
  const location =
    range === undefined || range === null ? { file: source.file } : locate(source.file, lineCounter, range[0], range[1]);
  return { ...location, pointer: key === undefined ? pointer : `${pointer}/${escapePointerPart(key)}` };
}

function childOf(node: unknown, part: string): { key: unknown; value: unknown } | undefined {
  const { isMap, isScalar } = yaml();
  if (isMap(node)) {
    const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === part);
    return pair === undefined ? undefined : { key: pair.key, value: pair.value };
  }
  if (node !== null && typeof node === 'object' && 'items' in node && Array.isArray((node as { items: unknown[] }).items)) {
    const index = Number(part);
    const items = (node as { items: unknown[] }).items;
    if (!Number.isInteger(index) || index < 0 || index >= items.length) return undefined;
    return { key: undefined, value: items[index] };
  }
  return undefined;
}

function isNode(value: unknown): value is Node {
  return value !== null && typeof value === 'object' && 'range' in value;
}
