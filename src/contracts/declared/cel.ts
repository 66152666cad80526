import { Environment } from '@marcbachmann/cel-js';
import { proposalContentHash } from '../hash.js';
import { pathPart, type Item, type KindDocument } from './select.js';

/**
 * The CEL escape hatch (Common Expression Language, as Kubernetes uses it), through
 * @marcbachmann/cel-js: no dependencies, a type checker we run at config load, and parse limits
 * that bound what a config can ask for. Every expression is compiled once per run.
 *
 * Variables: `doc` (the document), `item` (the current `each` item, else the document),
 * `path` (`file`, `name`, `stem`, `dir`), `now` (the evaluation time), `data` (the data inputs as
 * lists), `id` (the document's id). Functions: `document(kind, id)` (another document or null),
 * `documents(kind)` (all documents of a kind), `contentHash(map)` (sha256 of RFC 8785 JSON without
 * `approvals`).
 */
export interface CelRuntime {
  document(kind: string, id: string): unknown;
  documents(kind: string): unknown[];
  data: Record<string, string[]>;
  now: Date;
}

export type CompiledCel = (item: Item, runtime: CelRuntime) => unknown;

export interface CelProblem {
  message: string;
}

const LIMITS = { maxAstNodes: 5000, maxDepth: 64, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 16 };

let current: { runtime: CelRuntime | undefined } = { runtime: undefined };

function environment(): Environment {
  return new Environment({ unlistedVariablesAreDyn: false, limits: LIMITS })
    .registerVariable('doc', 'dyn')
    .registerVariable('item', 'dyn')
    .registerVariable('path', 'map')
    .registerVariable('now', 'google.protobuf.Timestamp')
    .registerVariable('data', 'map')
    .registerVariable('id', 'dyn')
    .registerFunction('document(string, string): dyn', (kind: string, id: string) => toCel(current.runtime?.document(kind, id) ?? null))
    .registerFunction('documents(string): list', (kind: string) => (current.runtime?.documents(kind) ?? []).map(toCel))
    .registerFunction('contentHash(map): string', (value: unknown) => contentHashOf(value));
}

let shared: Environment | undefined;

/** Parse and type-check an expression; a problem is returned, never thrown. */
export function compileCel(expression: string): CompiledCel | CelProblem {
  shared ??= environment();
  let checked: { valid: boolean; error?: Error; type?: string };
  try {
    checked = shared.check(expression) as { valid: boolean; error?: Error; type?: string };
  } catch (error) {
    return { message: firstLine(error) };
  }
  if (!checked.valid) return { message: firstLine(checked.error) };
  if (checked.type !== 'bool' && checked.type !== 'dyn') return { message: `the expression gives ${checked.type}, not bool` };
  const program = shared.parse(expression);
  return (item, runtime) => {
    current = { runtime };
    try {
      return program({
        doc: toCel(item.doc.source.value),
        item: toCel(item.value),
        path: pathOf(item.doc),
        now: runtime.now,
        data: runtime.data,
        id: item.doc.id ?? null,
      });
    } finally {
      current = { runtime: undefined };
    }
  };
}

/** Integers become CEL ints (BigInt), so `size(x) == 2` and `x + 1` type as expected; other values pass through. */
const converted = new WeakMap<object, unknown>();

function toCel(value: unknown): unknown {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (value === null || typeof value !== 'object') return value;
  const cached = converted.get(value);
  if (cached !== undefined) return cached;
  let out: unknown;
  if (Array.isArray(value)) out = value.map(toCel);
  else {
    const map: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) map[key] = toCel(child);
    out = map;
  }
  converted.set(value, out);
  return out;
}

const hashes = new WeakMap<object, string>();

/** The content hash of a document as CEL sees it, once per document (approvals ask for it each). */
function contentHashOf(value: unknown): string {
  const key = value !== null && typeof value === 'object' ? value : undefined;
  const cached = key === undefined ? undefined : hashes.get(key);
  if (cached !== undefined) return cached;
  const hash = proposalContentHash(fromCel(value) as Record<string, unknown>);
  if (key !== undefined) hashes.set(key, hash);
  return hash;
}

function fromCel(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Map) return Object.fromEntries([...value.entries()].map(([k, v]) => [String(k), fromCel(v)]));
  if (Array.isArray(value)) return value.map(fromCel);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromCel(v)]));
  return value;
}

const paths = new WeakMap<KindDocument, Record<string, string>>();

/** The `path` variable: the document's path parts, made once per document. */
function pathOf(doc: KindDocument): Record<string, string> {
  let path = paths.get(doc);
  if (path === undefined) {
    path = { file: doc.rel, name: pathPart(doc.rel, 'name') ?? '', stem: pathPart(doc.rel, 'stem') ?? '', dir: pathPart(doc.rel, 'dir') ?? '' };
    paths.set(doc, path);
  }
  return path;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]!.trim();
}
