import type { AggregateConfig, RuleConfig, Severity } from '../config/types.js';
import type { DeclaredFinding, Place, RunContext } from './model.js';
import { escapePointerPart, fillTemplate, parseField, scalarText, select, type Item } from './select.js';
import { display, resolveOperand } from './values.js';
import type { ItemCheck } from './primitives.js';

export type SetCheck = (items: Item[], context: RunContext) => DeclaredFinding[];

/**
 * `aggregate`: numbers summed per group (for example per tenant and resource, across all
 * documents) stay within a limit. Reported once per group, at the item whose value first crossed
 * the limit, with the limit's place as a related location; the severity may come from a value
 * (`deny_on_exceed: true` → error, `warn_on_exceed: true` → warning).
 */
export function aggregateCheck(spec: AggregateConfig): SetCheck {
  const sum = parseField(spec.sum);
  return (items, context) => {
    const groups = new Map<string, { first: Item; total: number; crossing?: { item: Item; pointer: string } }>();
    const limits = new Map<string, { value: number; place?: Place } | null>();
    const findings: DeclaredFinding[] = [];
    for (const item of items) {
      const parts = spec.groupBy.map((template) => fillTemplate(template, item));
      if (parts.some((part) => part === undefined)) continue;
      const key = parts.join('\u0000');
      let group = groups.get(key);
      if (group === undefined) {
        group = { first: item, total: 0 };
        groups.set(key, group);
        const limit = resolveOperand(spec.limit, item, context);
        limits.set(key, typeof limit?.value === 'number' ? { value: limit.value, ...(limit.place === undefined ? {} : { place: limit.place }) } : null);
      }
      const limit = limits.get(key);
      for (const hit of select(item, sum)) {
        if (typeof hit.value !== 'number' || !Number.isFinite(hit.value)) continue;
        group.total += hit.value;
        if (limit !== null && limit !== undefined && group.crossing === undefined && group.total > limit.value) group.crossing = { item, pointer: hit.pointer };
      }
    }
    for (const [key, group] of groups) {
      const limit = limits.get(key);
      if (limit === null || limit === undefined || group.crossing === undefined) continue;
      const severity = severityOf(spec, group.first, context);
      if (severity === 'ignore') continue;
      findings.push({
        at: { doc: group.crossing.item.doc, pointer: group.crossing.pointer },
        ...(severity === undefined ? {} : { severity }),
        message: `the total ${display(group.total)} for ${key.split('\u0000').join(' / ')} is over the limit ${display(limit.value)}`,
        values: { value: display(group.total), limit: display(limit.value), group: key.split('\u0000').join(' / ') },
        related: limit.place === undefined ? [] : [limit.place],
        data: { total: group.total, limit: limit.value, group: key.split('\u0000') },
      });
    }
    return findings;
  };
}

function severityOf(spec: AggregateConfig, item: Item, context: RunContext): Severity | 'ignore' | undefined {
  if (spec.severityFrom === undefined) return undefined;
  const value = scalarText(resolveOperand(spec.severityFrom.value, item, context)?.value);
  if (value === undefined) return undefined;
  return Object.prototype.hasOwnProperty.call(spec.severityFrom.map, value) ? spec.severityFrom.map[value] : undefined;
}

/** `unique`: a value (the kind's id by default) appears once across all documents of the kind. */
export function uniqueCheck(spec: NonNullable<RuleConfig['unique']>, idPointer: string | undefined): SetCheck {
  const field = parseField(spec.field ?? idPointer ?? '');
  return (items) => {
    const first = new Map<string, Place>();
    const findings: DeclaredFinding[] = [];
    for (const item of items) {
      for (const hit of select(item, field)) {
        const text = scalarText(hit.value);
        if (text === undefined) continue;
        const earlier = first.get(text);
        if (earlier === undefined) {
          first.set(text, { doc: item.doc, pointer: hit.pointer });
          continue;
        }
        findings.push({
          at: { doc: item.doc, pointer: hit.pointer },
          message: `"${display(text)}" is also defined in ${earlier.doc.source.file}`,
          values: { value: display(text), other: earlier.doc.source.file },
          related: [earlier],
        });
      }
    }
    return findings;
  };
}

/** `secrets`: no string under the chosen fields (the whole item by default) holds a secret the redaction detectors know. */
export function secretsCheck(spec: NonNullable<RuleConfig['secrets']>): ItemCheck {
  const fields = (spec.fields ?? ['']).map((field) => parseField(field));
  return (item, context) => {
    const findings: DeclaredFinding[] = [];
    for (const field of fields) {
      for (const hit of select(item, field)) {
        const stack = [hit];
        while (stack.length > 0) {
          const { value, pointer } = stack.pop()!;
          if (typeof value === 'string') {
            const found = context.findSecrets(value)[0];
            // The message names the detector, never the value.
            if (found !== undefined) findings.push({ at: { doc: item.doc, pointer }, message: `a secret (${found.rule}) is inline; reference it instead`, data: { detector: found.rule } });
          } else if (Array.isArray(value)) value.forEach((child, index) => stack.push({ value: child, pointer: `${pointer}/${index}` }));
          else if (value !== null && typeof value === 'object') {
            for (const [key, child] of Object.entries(value)) stack.push({ value: child, pointer: `${pointer}/${escapePointerPart(key)}` });
          }
        }
      }
    }
    return findings;
  };
}
