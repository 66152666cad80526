/**
 * The engine's prefilter: where in a text a line must be examined at all. A line is examined
 * when it holds a keyword form of some rule (lower, Capitalized, UPPER and as written; only as
 * written for case-sensitive rules), a match of a rule's own trigger, or YAML structure at its
 * start (`---`, `...`, `kind:`, `data:`, `stringData:`); every other line is copied through.
 *
 * Keyword forms, the structure and triggers that declare the literals their matches start with
 * (`triggerStarts`) all go into one {@link AnchorScanner} pass; only a trigger regex without
 * such literals (a rules-file rule without keywords) costs a regex pass of its own.
 */
import { AnchorScanner, bytesStartWith, type Anchor } from './anchors.js';
import type { RuleSet } from './types.js';

export type EngineMode = 'redact' | 'detect' | 'scan';

/** Where a line may open or close YAML structure, at a line start. */
const STRUCTURE = String.raw`(?:---|\.\.\.|[ \t]*(?:- )?(?:kind|data|stringData)[ \t]*:)`;
const STRUCTURE_AT = new RegExp(STRUCTURE, 'y');
/**
 * What `^` of a multiline regex matches after, and how a structure match can start: `---`,
 * `...`, a key (after `- ` or not), or a blank and then a blank, `- ` or a key. Every match starts
 * with one of these, and the longer they are, the fewer lines the check regex runs on (`step`
 * is no `stringData`).
 */
const LINE_TERMINATORS = ['\n', '\r', '\u2028', '\u2029'];
const STRUCTURE_KEYS = ['kind', 'data', 'stringData'];
const STRUCTURE_STARTS = [
  '---', '...', ...STRUCTURE_KEYS, ...STRUCTURE_KEYS.map((key) => `- ${key}`),
  ...[' ', '\t'].flatMap((blank) => [' ', '\t', '- ', ...STRUCTURE_KEYS].map((next) => blank + next)),
];

/** Finds the first position at or after `from` from which a line must be examined, or -1. */
export interface TriggerCursor {
  next(from: number): number;
  /** Done with the text (its scan memory is reused). */
  release(): void;
}

interface Triggers {
  anchors: AnchorScanner;
  /** Rule triggers the scanner cannot take, one regex pass each. */
  regexes: RegExp[];
}

/**
 * Triggers depend only on the rule set and the mode, and are stateless between texts, so they
 * are built once and shared: contract validation and builds make an engine per string or per
 * file, and building the scanner each time would cost more than the scanning.
 */
const BUILT = new WeakMap<RuleSet, Map<EngineMode, Triggers>>();

function triggersFor(rules: RuleSet, mode: EngineMode): Triggers {
  let byMode = BUILT.get(rules);
  if (byMode === undefined) {
    byMode = new Map();
    BUILT.set(rules, byMode);
  }
  const cached = byMode.get(mode);
  if (cached !== undefined) return cached;
  const anchors: Anchor[] = [];
  for (const terminator of LINE_TERMINATORS) for (const start of STRUCTURE_STARTS) anchors.push({ literal: terminator + start, shift: 1, check: STRUCTURE_AT });
  const forms = new Set<string>();
  const seen = new Set<string>();
  /** Case-sensitive trigger regexes without `^`/`$`, back-references or names: one alternation. */
  const joinable: string[] = [];
  const regexes: RegExp[] = [];
  for (const rule of rules.rules) {
    if (mode !== 'scan' && rule.scanOnly === true) continue;
    if (rule.keywords !== undefined) {
      for (const keyword of rule.keywords) for (const form of rule.caseSensitive === true ? [keyword] : caseVariants(keyword)) forms.add(form);
      continue;
    }
    for (const trigger of rule.triggers) {
      const key = `${trigger.source}/${trigger.flags}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (rule.triggerStarts !== undefined) {
        const check = new RegExp(trigger.source, `${trigger.flags.replace('g', '')}y`);
        for (const literal of rule.triggerStarts) anchors.push({ literal, shift: 0, check });
      } else if (canJoinAlternation(trigger)) joinable.push(trigger.source);
      else regexes.push(new RegExp(trigger.source, trigger.flags));
    }
  }
  for (const form of withoutContaining(forms)) anchors.push({ literal: form, shift: 0 });
  if (joinable.length > 0) regexes.push(new RegExp(joinable.map((source) => `(?:${source})`).join('|'), 'g'));
  const built = { anchors: new AnchorScanner(anchors), regexes };
  byMode.set(mode, built);
  return built;
}

/** A cursor over one text for the rule set's triggers in this mode. */
export function triggerCursor(rules: RuleSet, mode: EngineMode, text: string): TriggerCursor {
  const { anchors, regexes } = triggersFor(rules, mode);
  const scanner = anchors.cursor(text);
  /** Each pass's last answer: still right for any `from` up to it. */
  let anchorAt = -2;
  const regexAt = regexes.map(() => -2);
  return {
    next(from) {
      if (from === 0) {
        STRUCTURE_AT.lastIndex = 0;
        if (STRUCTURE_AT.test(text)) return 0;
      }
      if (anchorAt === -2 || (anchorAt !== -1 && anchorAt < from)) anchorAt = scanner.next(from);
      let best = anchorAt;
      regexes.forEach((pattern, i) => {
        let at = regexAt[i] as number;
        if (at === -2 || (at !== -1 && at < from)) {
          pattern.lastIndex = from;
          at = pattern.exec(text)?.index ?? -1;
          regexAt[i] = at;
        }
        if (at !== -1 && (best === -1 || at < best)) best = at;
      });
      return best;
    },
    release() {
      scanner.release();
    },
  };
}

/**
 * False only when an engine in this mode would examine no line of the text these bytes decode
 * to, told from the bytes without decoding them: a file as read, whose text is then final as it
 * is. `bytes` must be ASCII (the caller checks). True means: decode and look.
 */
export function mayTriggerInAscii(rules: RuleSet, mode: EngineMode, bytes: Uint8Array): boolean {
  const { anchors, regexes } = triggersFor(rules, mode);
  if (regexes.length > 0) return true;
  // Structure on the first line (the text cursor's regex at 0): any way it can start is enough.
  for (const start of STRUCTURE_STARTS) if (bytesStartWith(bytes, 0, start)) return true;
  return anchors.occursInAscii(bytes);
}

/** The first position at or after `from` from which an engine would examine `text`, or -1 (for tests). */
export function firstTriggerPosition(rules: RuleSet, mode: EngineMode, text: string, from: number): number {
  const cursor = triggerCursor(rules, mode, text);
  try {
    return cursor.next(from);
  } finally {
    cursor.release();
  }
}

/**
 * A form that contains another form finds no line the shorter one does not (`authorization` and
 * `auth`, `--user` and `--`): drop it, so there are fewer literals. Same lines, same result.
 */
export function withoutContaining(forms: Set<string>): Set<string> {
  const sorted = [...forms].sort((a, b) => a.length - b.length);
  const kept = new Set<string>();
  for (const form of sorted) if (![...kept].some((shorter) => form.includes(shorter))) kept.add(form);
  return kept;
}

/**
 * A rule trigger that means the same inside a bigger alternation with flag `g`: case-sensitive,
 * no `^`/`$` (so `m` does not matter), no group names or back-references (numbers shift).
 */
function canJoinAlternation(trigger: RegExp): boolean {
  return (trigger.flags === 'g' || trigger.flags === 'gm') && !/[\^$]|\\[1-9]|\\k<|\(\?<[^=!]/.test(trigger.source);
}

function caseVariants(keyword: string): string[] {
  const lower = keyword.toLowerCase();
  return [lower, lower.charAt(0).toUpperCase() + lower.slice(1), lower.toUpperCase(), keyword];
}
