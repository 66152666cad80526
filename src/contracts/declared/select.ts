import { basename, posix } from 'node:path';
import { escapePointerPart, type SourceDocument } from '../source.js';

export { escapePointerPart };

/** A document claimed by a kind, as the declared rules see it. */
export interface KindDocument {
  kind: string;
  source: SourceDocument;
  /** The path relative to the repository root, with `/` separators. */
  rel: string;
  /** The value at the kind's id pointer, as text, when it has one. */
  id?: string;
}

/** One place a rule looks at: a document, and an item inside it (the document itself by default). */
export interface Item {
  doc: KindDocument;
  value: unknown;
  pointer: string;
}

export interface Selected {
  value: unknown;
  pointer: string;
}

/** A field in a rule: a JSON pointer relative to the item, or to the document root (`$doc/...`); `*` matches every element. */
export interface Field {
  fromDoc: boolean;
  parts: string[];
  text: string;
  /** The parts, decoded once: what {@link select} does at each. */
  steps: Step[];
  /** Every step names one key or index: at most one value, at the base pointer plus `suffix`. */
  direct: boolean;
  suffix: string;
}

/**
 * One part of a field: every element (`*`), the elements of a list whose `key` has a value
 * (`[key=value]`; on a mapping it is a key like any other), or one key or index.
 */
interface Step {
  type: 'all' | 'filter' | 'name';
  name: string;
  escaped: string;
  index: number | undefined;
  filter?: { key: string; value: string };
}

const parsedFields = new Map<string, Field>();

/** Parsed once per distinct text: rules parse the same few fields for every item. */
export function parseField(text: string): Field {
  let field = parsedFields.get(text);
  if (field === undefined) {
    field = parseFieldText(text);
    if (parsedFields.size < 10_000) parsedFields.set(text, field);
  }
  return field;
}

function parseFieldText(text: string): Field {
  const fromDoc = text.startsWith('$doc');
  const rest = fromDoc ? text.slice(4) : text;
  const parts = rest === '' ? [] : rest.slice(1).split('/').map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  const steps = parts.map(stepOf);
  // An index step only applies to a list, where its escaped form is its digits.
  return { fromDoc, parts, text, steps, direct: steps.every((step) => step.type === 'name'), suffix: steps.map((step) => `/${step.escaped}`).join('') };
}

const FILTER = /^\[([^=\]]+)=(.*)\]$/;
const INDEX = /^(0|[1-9][0-9]*)$/;

function stepOf(part: string): Step {
  const step: Step = { type: part === '*' ? 'all' : 'name', name: part, escaped: escapePointerPart(part), index: INDEX.test(part) ? Number(part) : undefined };
  const filter = FILTER.exec(part);
  if (filter !== null) {
    step.type = 'filter';
    step.filter = { key: filter[1]!, value: filter[2]! };
  }
  return step;
}

export function isFieldText(text: string): boolean {
  return text.startsWith('/') || text === '$doc' || text.startsWith('$doc/');
}

/** Every value a field selects from an item, with its pointer in the document; no recursion. */
export function select(item: Item, field: Field): Selected[] {
  if (field.direct) return selectDirect(item, field);
  let current: Selected[] = field.fromDoc ? [{ value: item.doc.source.value, pointer: '' }] : [{ value: item.value, pointer: item.pointer }];
  for (const step of field.steps) {
    const next: Selected[] = [];
    for (const { value, pointer } of current) {
      if (value === null || typeof value !== 'object') continue;
      const array = Array.isArray(value);
      if (step.type === 'filter' && array) {
        const { key, value: wanted } = step.filter!;
        value.forEach((child, index) => {
          if (child !== null && typeof child === 'object' && scalarText((child as Record<string, unknown>)[key]) === wanted) next.push({ value: child, pointer: `${pointer}/${index}` });
        });
        continue;
      }
      if (step.type === 'all') {
        if (array) value.forEach((child, index) => next.push({ value: child, pointer: `${pointer}/${index}` }));
        else for (const [key, child] of Object.entries(value)) next.push({ value: child, pointer: `${pointer}/${escapePointerPart(key)}` });
        continue;
      }
      if (array) {
        if (step.index === undefined || step.index >= value.length) continue;
        next.push({ value: value[step.index], pointer: `${pointer}/${step.name}` });
      } else if (Object.prototype.hasOwnProperty.call(value, step.name)) {
        next.push({ value: (value as Record<string, unknown>)[step.name], pointer: `${pointer}/${step.escaped}` });
      }
    }
    current = next;
  }
  return current;
}

/** {@link select} for a field of keys and indices only: one lookup per step, the pointer built once. */
function selectDirect(item: Item, field: Field): Selected[] {
  let value = field.fromDoc ? item.doc.source.value : item.value;
  for (const step of field.steps) {
    if (value === null || typeof value !== 'object') return [];
    if (Array.isArray(value)) {
      if (step.index === undefined || step.index >= value.length) return [];
      value = value[step.index];
    } else if (Object.prototype.hasOwnProperty.call(value, step.name)) {
      value = (value as Record<string, unknown>)[step.name];
    } else return [];
  }
  return [{ value, pointer: `${field.fromDoc ? '' : item.pointer}${field.suffix}` }];
}

export function selectOne(item: Item, field: Field): Selected | undefined {
  return select(item, field)[0];
}

/** The items a rule runs over: each match of `each`, or the document itself. */
export function itemsOf(doc: KindDocument, each: Field | undefined): Item[] {
  const root: Item = { doc, value: doc.source.value, pointer: '' };
  if (each === undefined) return [root];
  return select(root, each).map(({ value, pointer }) => ({ doc, value, pointer }));
}

/** The named parts of a document's path: `name` (file name), `stem`, `dir` (folder name), `dir:N` (N folders up), `file`. */
export function pathPart(rel: string, part: string): string | undefined {
  if (part === 'file') return rel;
  if (part === 'name') return basename(rel);
  if (part === 'stem') return stemOf(basename(rel));
  const match = /^dir(?::(\d+))?$/.exec(part);
  if (match === null) return undefined;
  let dir = posix.dirname(rel);
  for (let up = Number(match[1] ?? '1'); up > 1; up -= 1) dir = posix.dirname(dir);
  return dir === '.' || dir === '/' ? undefined : basename(dir);
}

/** A file name without its extensions: `sample.binding.yml` gives `sample`, `approval.yml.example` gives `approval`. */
export function stemOf(name: string): string {
  const dot = name.indexOf('.', 1);
  return dot === -1 ? name : name.slice(0, dot);
}

/** A scalar as text for templates and comparisons; objects and arrays have none. */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

const PLACEHOLDER = /\{([^{}]+)\}/g;

/**
 * Fill a template: `{/a/b}` (item field), `{$doc/a}` (document field), `{$id}`, `{$name}`, `{$stem}`,
 * `{$dir}`, `{$dir:2}`, `{$file}`, and `{$value}` when given. Undefined when a placeholder has no
 * scalar value (the rule then has nothing to judge: the schema reports a missing field).
 */
export function fillTemplate(template: string, item: Item, extra: Record<string, string> = {}): string | undefined {
  let text = '';
  for (const part of templateParts(template)) {
    if (part.name === undefined) {
      text += part.text;
      continue;
    }
    const value = placeholderValue(part.name, item, extra);
    if (value === undefined) return undefined;
    text += value;
  }
  return text;
}

/** A template as literal text and placeholder names, split once per distinct template. */
type TemplatePart = { text: string; name?: undefined } | { name: string; text?: undefined };

const parsedTemplates = new Map<string, TemplatePart[]>();

function templateParts(template: string): TemplatePart[] {
  let parts = parsedTemplates.get(template);
  if (parts !== undefined) return parts;
  parts = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push({ text: template.slice(last, match.index) });
    parts.push({ name: match[1]!.trim() });
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push({ text: template.slice(last) });
  if (parsedTemplates.size < 10_000) parsedTemplates.set(template, parts);
  return parts;
}

function placeholderValue(name: string, item: Item, extra: Record<string, string>): string | undefined {
  if (isFieldText(name)) return scalarText(selectOne(item, parseField(name))?.value);
  if (!name.startsWith('$')) return undefined;
  const key = name.slice(1);
  if (key in extra) return extra[key];
  if (key === 'id') return item.doc.id;
  return pathPart(item.doc.rel, key);
}

/** Placeholders of a template that can never be filled (for config checks). */
export function unknownPlaceholders(template: string, extra: readonly string[] = []): string[] {
  const bad: string[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1]!.trim();
    if (isFieldText(name)) continue;
    const key = name.startsWith('$') ? name.slice(1) : undefined;
    if (key !== undefined && (key === 'id' || key === 'file' || key === 'name' || key === 'stem' || /^dir(:\d+)?$/.test(key) || extra.includes(key))) continue;
    bad.push(name);
  }
  return bad;
}
