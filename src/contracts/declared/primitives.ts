import { fileProblem } from '../repo-files.js';
import { isAbsolute, posix } from 'node:path';
import type { RuleConfig } from '../config/types.js';
import type { DeclaredFinding, RunContext } from './model.js';
import { fillTemplate, parseField, pathPart, scalarText, select, type Field, type Item, type KindDocument, type Selected } from './select.js';
import { celRuntime, compileCondition, display, otherDocument, resolveOperand } from './values.js';

/** An item-wise primitive: the findings for one item. */
export type ItemCheck = (item: Item, context: RunContext) => DeclaredFinding[];

function at(item: Item, hit: Selected, message: string, extra: Partial<DeclaredFinding> = {}): DeclaredFinding {
  return { at: { doc: item.doc, pointer: hit.pointer }, message, values: { value: display(hit.value) }, ...extra };
}

function maybeField(text: string | undefined): Field | undefined {
  return text === undefined ? undefined : parseField(text);
}

/** `ref`: each value names a document of a kind, by its id (or by another field, `by`). */
export function refCheck(spec: NonNullable<RuleConfig['ref']>): ItemCheck {
  const field = parseField(spec.field);
  const indexes = new WeakMap<RunContext, Map<string, KindDocument>>();
  const find = (value: string, context: RunContext): KindDocument | undefined => {
    if (spec.by === undefined) return context.byId(spec.kind, value);
    let index = indexes.get(context);
    if (index === undefined) {
      index = new Map();
      const by = parseField(spec.by);
      for (const doc of context.documents(spec.kind)) {
        for (const hit of select({ doc, value: doc.source.value, pointer: '' }, by)) {
          const key = scalarText(hit.value);
          if (key !== undefined && !index.has(key)) index.set(key, doc);
        }
      }
      indexes.set(context, index);
    }
    return index.get(value);
  };
  return (item, context) =>
    select(item, field).flatMap((hit) => {
      const value = scalarText(hit.value);
      if (value === undefined || find(value, context) !== undefined) return [];
      return [at(item, hit, `"${display(hit.value)}" names no ${spec.kind}${spec.by === undefined ? '' : ` (by ${spec.by})`}`)];
    });
}

/** `file`: each value is a path that stays inside the repository, lies under a folder built from other fields, and exists. */
export function fileCheck(spec: NonNullable<RuleConfig['file']>): ItemCheck {
  const field = parseField(spec.field);
  return (item, context) =>
    select(item, field).flatMap((hit) => {
      if (typeof hit.value !== 'string' || hit.value === '') return [];
      const base = spec.base !== undefined ? fillTemplate(spec.base, item) : spec.relativeTo === 'document' ? posix.dirname(item.doc.rel) : '.';
      if (base === undefined) return [];
      const rel = posix.normalize(posix.join(base, hit.value.replace(/\\/g, '/')));
      if (isAbsolute(hit.value) || rel === '..' || rel.startsWith('../') || hit.value.includes('\0')) {
        return [at(item, hit, `path "${display(hit.value)}" leaves the repository`, { code: 'FILE_OUTSIDE_REPOSITORY' })];
      }
      if (spec.under !== undefined) {
        const under = fillTemplate(spec.under, item);
        if (under === undefined) return [];
        const folder = posix.normalize(under).replace(/\/+$/, '');
        if (rel !== folder && !rel.startsWith(`${folder}/`)) {
          return [at(item, hit, `path "${display(hit.value)}" is not under ${folder}/`, { code: 'FILE_NOT_UNDER', values: { value: display(hit.value), expected: `${folder}/` } })];
        }
      }
      const problem = fileProblem(context.root, rel);
      return problem === undefined ? [] : [at(item, hit, `file "${display(hit.value)}" ${problem}`, { code: 'FILE_NOT_FOUND' })];
    });
}

/** `equalsPath`: the value equals a part of the document's path (its file stem, name, or folder). */
export function equalsPathCheck(spec: NonNullable<RuleConfig['equalsPath']>): ItemCheck {
  const field = parseField(spec.field);
  return (item) => {
    const expected = pathPart(item.doc.rel, spec.part);
    if (expected === undefined) return [];
    return select(item, field).flatMap((hit) =>
      scalarText(hit.value) === expected
        ? []
        : [at(item, hit, `"${display(hit.value)}" does not match its path, which names "${expected}"`, { values: { value: display(hit.value), expected } })],
    );
  };
}

/** `prefix`: the value starts with a prefix built from other fields, and has no `..` segment. */
export function prefixCheck(spec: NonNullable<RuleConfig['prefix']>): ItemCheck {
  const field = parseField(spec.field);
  return (item) => {
    const prefix = fillTemplate(spec.template, item);
    if (prefix === undefined) return [];
    return select(item, field).flatMap((hit) => {
      if (typeof hit.value !== 'string') return [];
      const escapes = hit.value.split('/').includes('..');
      if (hit.value.startsWith(prefix) && !escapes) return [];
      return [at(item, hit, `"${display(hit.value)}" is outside the prefix ${prefix}`, { values: { value: display(hit.value), expected: prefix } })];
    });
  };
}

/** `mapping`: the value at `to` is what the table gives for the value at `from`. */
export function mappingCheck(spec: NonNullable<RuleConfig['mapping']>): ItemCheck {
  const from = parseField(spec.from);
  const unmapped = spec.unmapped ?? 'identity';
  return (item, context) => {
    const source = select(item, from)[0];
    const resolved = resolveOperand(spec.to, item, context);
    const target = resolved === undefined ? undefined : { value: resolved.value, pointer: resolved.place?.pointer ?? item.pointer, place: resolved.place };
    const key = scalarText(source?.value);
    if (source === undefined || target === undefined || key === undefined) return [];
    const mapped = Object.prototype.hasOwnProperty.call(spec.table, key) ? spec.table[key] : undefined;
    if (mapped === undefined && unmapped === 'ignore') return [];
    if (mapped === undefined && unmapped === 'error') {
      return [at(item, source, `"${display(key)}" has no entry in the mapping table`, { code: 'MAPPING_UNKNOWN' })];
    }
    const expected = mapped ?? key;
    if (scalarText(target.value) === expected) return [];
    // Reported at the value that disagrees; when it is in another document, at the source value with that one related.
    const elsewhere = target.place !== undefined && target.place.doc !== item.doc;
    return [
      at(item, elsewhere ? source : target, `"${display(target.value)}" does not agree with ${spec.from} "${display(key)}" (expected "${expected}")`, {
        values: { value: display(target.value), expected },
        related: [elsewhere ? target.place! : { doc: item.doc, pointer: source.pointer }],
      }),
    ];
  };
}

/** `in`: the value is one of a set: literal values, a data input, or values of documents of a kind. */
export function inCheck(spec: NonNullable<RuleConfig['in']>): ItemCheck {
  const field = parseField(spec.field);
  const set = spec.set;
  const literal = 'values' in set && !('kind' in set) ? new Set(set.values.map((v) => scalarText(v))) : undefined;
  const kindValuesText = 'kind' in set ? set.values : undefined;
  const fixedValues = kindValuesText !== undefined && !kindValuesText.includes('{') ? parseField(kindValuesText) : undefined;
  const valuesFor = (item: Item) => fixedValues ?? (kindValuesText === undefined ? undefined : maybeField(fillTemplate(kindValuesText, item)));
  const unions = new WeakMap<RunContext, Set<string>>();
  const setsOf = new WeakMap<KindDocument, Map<Field, Set<string | undefined>>>();
  const allowed = (item: Item, context: RunContext): { values: ReadonlySet<string | undefined>; related?: KindDocument } | undefined => {
    if (literal !== undefined) return { values: literal };
    if ('data' in set) return { values: context.data(set.data) };
    const kindSet = set as { kind: string; key?: string };
    if (kindSet.key !== undefined) {
      const other = otherDocument(kindSet.kind, kindSet.key, item, context);
      if (other === undefined) return undefined; // the reference rule reports a missing document
      const values = valuesFor(item);
      if (values === undefined) return undefined;
      // Many items look up the same document (every binding of a tenant): its set is made once per field.
      let byField = setsOf.get(other);
      if (byField === undefined) {
        byField = new Map();
        setsOf.set(other, byField);
      }
      let found = byField.get(values);
      if (found === undefined) {
        found = new Set(select({ doc: other, value: other.source.value, pointer: '' }, values).map((hit) => scalarText(hit.value)));
        byField.set(values, found);
      }
      return { values: found, related: other };
    }
    let union = unions.get(context);
    if (union === undefined) {
      union = new Set();
      for (const doc of context.documents(kindSet.kind)) {
        for (const hit of select({ doc, value: doc.source.value, pointer: '' }, fixedValues ?? parseField(''))) {
          const text = scalarText(hit.value);
          if (text !== undefined) union.add(text);
        }
      }
      unions.set(context, union);
    }
    return { values: union };
  };
  return (item, context) => {
    const hits = select(item, field);
    if (hits.length === 0) return [];
    const set = allowed(item, context);
    if (set === undefined) return [];
    return hits.flatMap((hit) => {
      const text = scalarText(hit.value);
      if (text === undefined || set.values.has(text)) return [];
      const choices = [...set.values].filter((v) => v !== undefined).slice(0, 12).join(', ');
      return [
        at(item, hit, `"${display(hit.value)}" is not one of: ${choices || '(none)'}`, {
          values: { value: display(hit.value), allowed: choices },
          ...(set.related === undefined ? {} : { related: [{ doc: set.related, pointer: '' }] }),
        }),
      ];
    });
  };
}

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '>=': (a, b) => a >= b,
  '>': (a, b) => a > b,
};

/** `compare`: left op right, as numbers or times; with `peer`, right is read from each matching peer item. */
export function compareCheck(spec: NonNullable<RuleConfig['compare']>): ItemCheck {
  const test = COMPARE[spec.op]!;
  const asNumber = (value: unknown): number | string | undefined => {
    if (spec.as === 'text') return scalarText(value);
    if (spec.as === 'time') return typeof value === 'string' ? timeOf(value) : undefined;
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  };
  const peerEach: Field | undefined = spec.peer === undefined ? undefined : parseField(spec.peer.each);
  return (item, context) => {
    const left = resolveOperand(spec.left, item, context);
    const a = asNumber(left?.value);
    if (left === undefined || a === undefined) return [];
    const place = left.place ?? { doc: item.doc, pointer: item.pointer };
    const rights = peerEach === undefined ? [{ peer: item }] : peersOf(item, peerEach, spec.peer!.where ?? {}).map((peer) => ({ peer }));
    return rights.flatMap(({ peer }) => {
      const right = resolveOperand(spec.right, peer, context);
      const b = asNumber(right?.value);
      if (right === undefined || b === undefined || (test as (x: unknown, y: unknown) => boolean)(a, b)) return [];
      const related = right.place === undefined || (right.place.doc === place.doc && right.place.pointer === place.pointer) ? [] : [right.place];
      return [
        {
          at: place,
          message: `${display(left.value)} ${spec.op} ${display(right.value)} does not hold`,
          values: { value: display(left.value), other: display(right.value) },
          related,
        },
      ];
    });
  };
}

function timeOf(text: string): number | undefined {
  const time = Date.parse(text);
  return Number.isNaN(time) ? undefined : time;
}

function peersOf(item: Item, each: Field, where: Record<string, string>): Item[] {
  const wanted = Object.entries(where).map(([field, template]) => ({ field: parseField(field), value: fillTemplate(template, item) }));
  if (wanted.some((w) => w.value === undefined)) return [];
  return select(item, each)
    .map(({ value, pointer }) => ({ doc: item.doc, value, pointer }))
    .filter((peer) => peer.pointer !== item.pointer && wanted.every((w) => scalarText(select(peer, w.field)[0]?.value) === w.value));
}

/** `assert`: a condition holds for the item (the `then` of a `when`). */
export function assertCheck(spec: NonNullable<RuleConfig['assert']>): ItemCheck {
  const holds = compileCondition(spec);
  const field = 'field' in spec ? parseField(spec.field) : undefined;
  return (item, context) => {
    if (holds(item, context)) return [];
    const hit = field === undefined ? undefined : select(item, field)[0];
    const pointer = hit?.pointer ?? item.pointer;
    const shown = hit === undefined ? (field === undefined ? '' : `${field.text} is missing`) : `${field!.text} is "${display(hit.value)}"`;
    return [{ at: { doc: item.doc, pointer }, message: `the condition does not hold${shown === '' ? '' : `: ${shown}`}`, values: { value: hit === undefined ? '' : display(hit.value) } }];
  };
}

/** `time`: a time is after (or not after) the evaluation time. */
export function timeCheck(spec: NonNullable<RuleConfig['time']>): ItemCheck {
  const field = parseField(spec.field);
  return (item, context) =>
    select(item, field).flatMap((hit) => {
      const when = typeof hit.value === 'string' ? Date.parse(hit.value) : Number.NaN;
      if (Number.isNaN(when)) return [];
      const now = context.now.getTime();
      if (spec.after === 'now' && when <= now) return [at(item, hit, `${display(hit.value)} is not after the evaluation time`, { code: 'TIME_PASSED' })];
      if (spec.before === 'now' && when > now) return [at(item, hit, `${display(hit.value)} is after the evaluation time`, { code: 'TIME_IN_FUTURE' })];
      return [];
    });
}

/** `sibling`: a file next to the document exists (its name a template). */
export function siblingCheck(spec: NonNullable<RuleConfig['sibling']>): ItemCheck {
  return (item, context) => {
    const name = fillTemplate(spec.file, item);
    if (name === undefined) return [];
    const rel = posix.normalize(posix.join(posix.dirname(item.doc.rel), name));
    if (rel.startsWith('../')) return [{ at: { doc: item.doc, pointer: '' }, message: `sibling "${name}" would leave the repository`, code: 'FILE_OUTSIDE_REPOSITORY' }];
    const problem = fileProblem(context.root, rel);
    return problem === undefined ? [] : [{ at: { doc: item.doc, pointer: '' }, message: `the required file ${rel} ${problem}`, values: { expected: rel } }];
  };
}

/** `cel`: an expression that must be true for the item. */
export function celCheck(spec: NonNullable<RuleConfig['cel']>): ItemCheck {
  const field = spec.field === undefined ? undefined : parseField(spec.field);
  return (item, context) => {
    const pointer = (field === undefined ? undefined : select(item, field)[0]?.pointer) ?? item.pointer;
    let result: unknown;
    try {
      result = context.cel(spec.expr)(item, celRuntime(context));
    } catch (error) {
      const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
      return [{ at: { doc: item.doc, pointer }, code: 'CEL_EVALUATION_ERROR', message: `the expression could not be evaluated: ${reason}` }];
    }
    if (result === true) return [];
    return [{ at: { doc: item.doc, pointer }, message: result === false ? 'the expression is false' : 'the expression did not give a bool', ...(result === false ? {} : { code: 'CEL_NOT_BOOL' }) }];
  };
}
