/**
 * JSON documents inside a line of text: kubectl's `last-applied-configuration` annotation (a
 * Secret's data repeated inside a YAML or JSON string), a Docker config printed in a log, an
 * escaped document (`config={\"password\":\"x\"}`). The document is parsed, redacted as JSON
 * (redactJsonValue: Kubernetes Secret data, secret-named keys, registry `auth`), and each
 * redacted leaf is mapped back to its place in the line, so the rest of the line is kept byte
 * for byte.
 */
import { redactJsonValue } from './json.js';
import type { RuleSet } from './types.js';

export interface LineSpan {
  start: number;
  end: number;
  rule: string;
}

/** Longer embedded documents are left to the other rules and the leak gate (bounded work per line). */
const MAX_EMBEDDED_CHARS = 256 * 1024;
/** Something in the document a JSON rule could act on; other documents are not parsed. */
const WORTH_PARSING = /"(?:kind|auths?|data|stringData)"|pass|pwd|secret|token|key|credential|auth/i;
const MARKER_ONLY = /^\[REDACTED:([a-z0-9.-]+)\]$/;
const ANY_MARKER = /\[REDACTED:([a-z0-9.-]+)\]/;

/** Spans to redact for every JSON object embedded in `line` (raw, or with `\"` escapes). */
export function embeddedJsonSpans(line: string, rules: RuleSet, path: string | undefined, depth = 0): LineSpan[] {
  if (depth > 4 || line.length > MAX_EMBEDDED_CHARS || !WORTH_PARSING.test(line)) return [];
  const spans: LineSpan[] = [];
  let from = 0;
  for (;;) {
    const open = line.indexOf('{', from);
    if (open === -1) break;
    const next = line[open + 1] === ' ' ? line[open + 2] : line[open + 1];
    if (next === '"') {
      const end = objectEnd(line, open);
      // An object that never closes ends the search: trying every later `{` would cost quadratic time.
      if (end === -1) break;
      spans.push(...documentSpans(line.slice(open, end), open, rules, path));
      from = end;
      continue;
    } else if (next === '\\' && line[open + 2] === '"') {
      const escaped = unescapeLevel(line, open);
      if (escaped === undefined) break;
      for (const span of embeddedJsonSpans(escaped.text, rules, path, depth + 1)) {
        spans.push({ start: escaped.map[span.start] as number, end: (escaped.map[span.end - 1] as number) + 1, rule: span.rule });
      }
      from = escaped.end;
      continue;
    }
    from = open + 1;
  }
  return spans;
}

/** End (exclusive) of the JSON object starting at `open`, honouring strings; -1 if it does not close. */
function objectEnd(line: string, open: number): number {
  let depth = 0;
  let inString = false;
  for (let i = open; i < line.length; i += 1) {
    const c = line.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth += 1;
    else if (c === 0x7d || c === 0x5d) {
      depth -= 1;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * One level of JSON string escaping removed from the document starting at `open` (`{\"a\":1}`),
 * with a map from each unescaped index to its index in the line.
 */
function unescapeLevel(line: string, open: number): { text: string; map: number[]; end: number } | undefined {
  let text = '';
  const map: number[] = [];
  let depth = 0;
  let inString = false;
  let escapeNext = false;
  for (let i = open; i < line.length; i += 1) {
    const at = i;
    let c = line[i] as string;
    if (c === '\\') {
      const n = line[i + 1];
      if (n === undefined) return undefined;
      // `\"`, `\\`, `\/` lose a level; other escapes (`\n`) stay as they are, two characters.
      if (n === '"' || n === '\\' || n === '/') {
        c = n;
        i += 1;
      }
    } else if (c === '"') return undefined; // an unescaped quote ends the outer string
    text += c;
    map.push(at);
    if (inString) {
      if (escapeNext) escapeNext = false;
      else if (c === '\\') escapeNext = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth += 1;
    else if (c === '}' || c === ']') {
      depth -= 1;
      if (depth === 0) return { text, map, end: i + 1 };
    }
  }
  return undefined;
}

/** Redact one embedded JSON document; the spans of the string contents (or numbers) it changed. */
function documentSpans(source: string, offset: number, rules: RuleSet, path: string | undefined): LineSpan[] {
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch {
    return [];
  }
  if (typeof value !== 'object' || value === null) return [];
  const redacted = redactJsonValue(value, rules, path === undefined ? {} : { path });
  if (redacted.records.length === 0) return [];
  const spans: LineSpan[] = [];
  for (const leaf of leaves(source)) {
    const after = at(redacted.value, leaf.pointer);
    const before = at(value, leaf.pointer);
    if (after === before) continue;
    const text = typeof after === 'string' ? after : '';
    const rule = MARKER_ONLY.exec(text)?.[1] ?? ANY_MARKER.exec(text)?.[1] ?? 'secret-key-value';
    const quoted = source[leaf.start] === '"';
    spans.push({ start: offset + leaf.start + (quoted ? 1 : 0), end: offset + leaf.end - (quoted ? 1 : 0), rule });
  }
  return spans;
}

function at(node: unknown, pointer: (string | number)[]): unknown {
  let current = node;
  for (const key of pointer) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key as string];
  }
  return current;
}

interface Leaf {
  pointer: (string | number)[];
  start: number;
  end: number;
}

/** The string and number leaves of a JSON text (already known to parse), with their positions. */
function leaves(source: string): Leaf[] {
  const out: Leaf[] = [];
  const stack: { array: boolean; index: number; key: string | undefined }[] = [];
  const path = (): (string | number)[] => stack.map((frame) => (frame.array ? frame.index : (frame.key as string)));
  let expectKey = false;
  for (let i = 0; i < source.length; i += 1) {
    const c = source[i] as string;
    if (c === '{' || c === '[') {
      stack.push({ array: c === '[', index: 0, key: undefined });
      expectKey = c === '{';
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top !== undefined) {
        if (top.array) top.index += 1;
        else expectKey = true;
      }
    } else if (c === '"') {
      let j = i + 1;
      while (j < source.length && source[j] !== '"') j += source[j] === '\\' ? 2 : 1;
      const end = j + 1;
      const top = stack[stack.length - 1];
      if (expectKey && top !== undefined && !top.array) {
        top.key = JSON.parse(source.slice(i, end)) as string;
        expectKey = false;
      } else out.push({ pointer: path(), start: i, end });
      i = end - 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let j = i;
      while (j < source.length && /[-+0-9.eE]/.test(source[j] as string)) j += 1;
      out.push({ pointer: path(), start: i, end: j });
      i = j - 1;
    }
  }
  return out;
}
