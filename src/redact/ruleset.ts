/** Compiling rule specs and allow-lists into a {@link RuleSet}, and asking it questions. */
import { DEFAULT_RULES, LEFTOVER_RULES, type RuleSpec } from './defaults.js';
import type { AllowEntry, PatternRule, RuleSet } from './types.js';

export function escapeRegex(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Flags: g (scan a line), m (^/$ are line bounds), d (group indices, to redact a capture group exactly). */
export function compileRule(spec: RuleSpec, source: string): PatternRule {
  const pattern = new RegExp(spec.regex, `dgm${spec.flags ?? ''}`);
  const trigger =
    spec.trigger !== undefined
      ? new RegExp(spec.trigger, spec.caseSensitive === true ? 'gm' : 'gim')
      : spec.keywords.length > 0
        ? new RegExp(spec.keywords.map(escapeRegex).join('|'), spec.caseSensitive === true ? 'g' : 'gi')
        : new RegExp(spec.regex, `gm${spec.flags ?? ''}`);
  const rule: PatternRule = { id: spec.id, pattern, group: spec.group ?? 0, triggers: [trigger], source };
  if (spec.trigger === undefined && spec.keywords.length > 0) rule.keywords = [...spec.keywords];
  if (spec.trigger !== undefined && spec.triggerStarts !== undefined) rule.triggerStarts = [...spec.triggerStarts];
  if (spec.accept !== undefined) rule.accept = spec.accept;
  if (spec.narrow !== undefined) rule.narrow = spec.narrow;
  if (spec.whole !== undefined) rule.whole = spec.whole;
  if (spec.scanOnly === true) rule.scanOnly = true;
  if (spec.find !== undefined) rule.find = spec.find;
  if (spec.caseSensitive === true) rule.caseSensitive = true;
  return rule;
}

let defaults: RuleSet | undefined;

/** The built-in rules (see docs/redaction.md) with no allow-list. */
export function defaultRuleSet(): RuleSet {
  defaults ??= {
    rules: [...DEFAULT_RULES, ...LEFTOVER_RULES].map((spec) => compileRule(spec, 'default')),
    allow: [],
    source: 'default',
  };
  return defaults;
}

/** `**` any path, `*` within one segment, `?` one character. Matches the whole payload path. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      i += 1;
      if (glob[i + 1] === '/') {
        i += 1;
        out += '(?:.*/)?';
      } else out += '.*';
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += escapeRegex(c);
  }
  return new RegExp(`^${out}$`);
}

/** True when an allow-list entry says this candidate is a known false positive. */
export function isAllowed(rules: RuleSet, rule: string, value: string, path: string | undefined): boolean {
  for (const entry of rules.allow) if (entryAllows(entry, rule, value, path)) return true;
  return false;
}

function entryAllows(entry: AllowEntry, rule: string, value: string, path: string | undefined): boolean {
  if (entry.rules !== undefined && !entry.rules.includes(rule)) return false;
  if (entry.value !== undefined && entry.value !== value) return false;
  if (entry.regex !== undefined) {
    entry.regex.lastIndex = 0;
    if (!entry.regex.test(value)) return false;
  }
  if (entry.paths !== undefined) {
    if (path === undefined) return false;
    const normalized = path.replace(/\\/g, '/').replace(/^\.\//, '');
    if (!entry.paths.some((glob) => glob.test(normalized) || glob.test(normalized.replace(/^payload\//, '')))) return false;
  }
  return true;
}
