/** Pattern rules applied to one line: candidate spans, allow-lists, overlap resolution. */
import { isAllowed } from './ruleset.js';
import type { PatternRule, RuleSet } from './types.js';

export interface Span {
  start: number;
  end: number;
  rule: string;
}

const MARKER = /\[REDACTED:[a-z0-9.-]+\]/g;

/** `[REDACTED:<rule-id>]`: what replaces a secret. */
export function marker(rule: string): string {
  return `[REDACTED:${rule}]`;
}

/** True when some rule's prefilter matches the line (or a line window). */
export function lineHasTrigger(rules: RuleSet, text: string): boolean {
  for (const rule of rules.rules) {
    for (const trigger of rule.triggers) {
      trigger.lastIndex = 0;
      if (trigger.test(text)) return true;
    }
  }
  return false;
}

/**
 * The spans to redact in one line (no newline inside), sorted and non-overlapping. On overlap
 * the earlier start wins, then the rule listed first (specific token rules come before the
 * generic key/value rules), then the longer span. `scan` also runs
 * the final-scan-only leftover rules.
 */
export function findLineSpans(line: string, rules: RuleSet, path: string | undefined, scan: boolean): Span[] {
  const candidates: Span[] = [];
  let markers: Span[] | undefined;
  for (const rule of rules.rules) {
    if (rule.scanOnly === true && !scan) continue;
    if (!triggered(rule, line)) continue;
    for (const span of rule.find === undefined ? ruleSpans(rule, line) : foundSpans(rule, line, rules, path)) {
      markers ??= markerSpans(line);
      if (markers.some((m) => m.start < span.end && span.start < m.end)) continue;
      if (isAllowed(rules, rule.id, line.slice(span.start, span.end), path)) continue;
      candidates.push(span);
    }
  }
  return resolveOverlaps(candidates, rules);
}

function triggered(rule: PatternRule, line: string): boolean {
  for (const trigger of rule.triggers) {
    trigger.lastIndex = 0;
    if (trigger.test(line)) return true;
  }
  return false;
}

function ruleSpans(rule: PatternRule, line: string): Span[] {
  const spans: Span[] = [];
  const { scan, exact } = twinsOf(rule.pattern);
  scan.lastIndex = 0;
  for (let match = scan.exec(line); match !== null; match = scan.exec(line)) {
    const indices = groupIndices(match, rule.group, exact, line);
    const advanceTo = Math.max(match.index + 1, indices?.[0] ?? 0);
    if (indices === undefined || indices[1] <= indices[0]) {
      scan.lastIndex = match[0].length === 0 ? match.index + 1 : Math.max(scan.lastIndex, advanceTo);
      continue;
    }
    let [start, end] = indices;
    let value = line.slice(start, end);
    if (rule.narrow !== undefined) {
      end = start + rule.narrow(value);
      value = line.slice(start, end);
    }
    if (end > start && (rule.accept === undefined || rule.accept(value, match))) {
      if (rule.whole !== undefined) end = rule.whole(line, start, end);
      spans.push({ start, end, rule: rule.id });
      scan.lastIndex = Math.max(end, match.index + 1);
    } else {
      // Rejected (e.g. a key that does not name a secret): look again from where its value starts,
      // so `user: bob, password: x` still finds the password.
      scan.lastIndex = advanceTo;
    }
  }
  return spans;
}

/**
 * A rule's pattern carries the `d` flag (group indices), which makes every match several times
 * dearer to build. Lines are scanned with a twin without it; a group's place in the match is
 * then read from its text when that occurs once in the match, and only otherwise asked of a
 * sticky twin with `d` at the same index, which finds the same match.
 */
interface Twins {
  scan: RegExp;
  exact: RegExp;
}

const TWINS = new WeakMap<RegExp, Twins>();

function twinsOf(pattern: RegExp): Twins {
  let twins = TWINS.get(pattern);
  if (twins === undefined) {
    const flags = pattern.flags.replace('d', '');
    twins = { scan: new RegExp(pattern.source, flags), exact: new RegExp(pattern.source, `${flags.replace('g', '')}dy`) };
    TWINS.set(pattern, twins);
  }
  return twins;
}

function foundSpans(rule: PatternRule, line: string, rules: RuleSet, path: string | undefined): Span[] {
  const find = rule.find as NonNullable<PatternRule['find']>;
  return find(line, rules, path).map((span) => ({ start: span.start, end: span.end, rule: span.rule ?? rule.id }));
}

function groupIndices(match: RegExpExecArray, group: number | string, exact: RegExp, line: string): [number, number] | undefined {
  const text = typeof group === 'number' ? match[group] : match.groups?.[group];
  if (text === undefined) return undefined;
  const at = text.length === 0 ? -1 : match[0].indexOf(text);
  if (at !== -1 && match[0].lastIndexOf(text) === at) return [match.index + at, match.index + at + text.length];
  exact.lastIndex = match.index;
  const indices = exact.exec(line)?.indices;
  const pair = indices === undefined ? undefined : typeof group === 'number' ? indices[group] : indices.groups?.[group];
  return pair === undefined ? undefined : [pair[0], pair[1]];
}

function markerSpans(line: string): Span[] {
  const spans: Span[] = [];
  if (!line.includes('[REDACTED:')) return spans;
  MARKER.lastIndex = 0;
  for (const m of line.matchAll(MARKER)) spans.push({ start: m.index, end: m.index + m[0].length, rule: '' });
  return spans;
}

function resolveOverlaps(candidates: Span[], rules: RuleSet): Span[] {
  if (candidates.length <= 1) return candidates;
  // A rule id may have several specs (connection-string-password): its first one sets its rank.
  const order = new Map<string, number>();
  rules.rules.forEach((rule, index) => {
    if (!order.has(rule.id)) order.set(rule.id, index);
  });
  candidates.sort(
    (a, b) => a.start - b.start || (order.get(a.rule) ?? 0) - (order.get(b.rule) ?? 0) || b.end - a.end,
  );
  const kept: Span[] = [];
  let last = -1;
  for (const span of candidates) {
    if (span.start < last) continue;
    kept.push(span);
    last = span.end;
  }
  return kept;
}
