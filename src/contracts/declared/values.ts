import type { Condition, Operand } from '../config/types.js';
import type { CompiledCondition, Place, RunContext } from './model.js';
import { fillTemplate, isFieldText, parseField, scalarText, select, selectOne, type Item } from './select.js';

export interface Resolved {
  value: unknown;
  /** Where the value came from, when it came from a document. */
  place?: Place;
}

/**
 * An operand's value for an item: a field (`/a`, `$doc/a`), a template (`"{/a}-x"`), a literal, or
 * a field of another document (`{kind, key, field}`). Undefined when it has no value.
 */
export function resolveOperand(operand: Operand, item: Item, context: RunContext): Resolved | undefined {
  if (typeof operand === 'number' || typeof operand === 'boolean') return { value: operand };
  if (typeof operand === 'string') {
    if (isFieldText(operand)) {
      const hit = selectOne(item, parseField(operand));
      return hit === undefined ? undefined : { value: hit.value, place: { doc: item.doc, pointer: hit.pointer } };
    }
    if (operand.includes('{')) {
      const text = fillTemplate(operand, item);
      return text === undefined ? undefined : { value: text };
    }
    return { value: operand };
  }
  if ('value' in operand) return { value: operand.value };
  const other = otherDocument(operand.kind, operand.key, item, context);
  if (other === undefined) return undefined;
  const otherItem: Item = { doc: other, value: other.source.value, pointer: '' };
  const field = operand.field.includes('{') ? fillTemplate(operand.field, item) : operand.field;
  if (field === undefined) return undefined;
  const hit = selectOne(otherItem, parseField(field));
  return hit === undefined ? undefined : { value: hit.value, place: { doc: other, pointer: hit.pointer } };
}

/** The document of `kind` whose id is the key (a field or a template filled from the item). */
export function otherDocument(kind: string, key: string, item: Item, context: RunContext) {
  const id = isFieldText(key) ? scalarText(selectOne(item, parseField(key))?.value) : fillTemplate(key, item);
  return id === undefined ? undefined : context.byId(kind, id);
}

/** Compile a condition once; CEL inside it was type-checked at config load. */
export function compileCondition(condition: Condition): CompiledCondition {
  if ('cel' in condition) {
    const expression = condition.cel;
    return (item, context) => context.cel(expression)(item, celRuntime(context)) === true;
  }
  if ('all' in condition) {
    const parts = condition.all.map(compileCondition);
    return (item, context) => parts.every((part) => part(item, context));
  }
  if ('any' in condition) {
    const parts = condition.any.map(compileCondition);
    return (item, context) => parts.some((part) => part(item, context));
  }
  if ('not' in condition) {
    const inner = compileCondition(condition.not);
    return (item, context) => !inner(item, context);
  }
  const field = parseField(condition.field);
  const pattern = condition.matches === undefined ? undefined : new RegExp(condition.matches, 'u');
  return (item) => {
    const hits = select(item, field);
    const present = hits.length > 0;
    if (condition.exists !== undefined && present !== condition.exists) return false;
    if (!present) return condition.exists === false;
    const value = hits[0]!.value;
    if (condition.equals !== undefined && !sameValue(value, condition.equals)) return false;
    if (condition.in !== undefined && !condition.in.some((candidate) => sameValue(value, candidate))) return false;
    if (pattern !== undefined && (typeof value !== 'string' || !pattern.test(value))) return false;
    if (condition.type !== undefined && typeName(value) !== condition.type && !(condition.type === 'number' && typeName(value) === 'integer')) return false;
    return true;
  };
}

export function celRuntime(context: RunContext) {
  return {
    now: context.now,
    data: context.dataLists,
    document: (kind: string, id: string) => context.byId(kind, id)?.source.value ?? null,
    documents: (kind: string) => context.documents(kind).map((doc) => doc.source.value),
  };
}

/** The JSON type of a value, with `integer` for whole numbers (never for `true`). */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return false;
}

/** A value as the text a message shows: short, one line. */
export function display(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}
