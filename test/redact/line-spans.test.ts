// Lines are scanned with a twin of each rule's pattern without the `d` flag, and a value's place
// is read from its text where that is unambiguous (line.ts). These compare the spans found with
// those of the straightforward loop over the `d` pattern, on generated lines rich in the syntax
// the key/value rules read, for every default pattern rule; and the trailing-closer cut of an
// unquoted value with the per-character count it replaced.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unquotedValueLength } from '../../src/redact/defaults.js';
import { findLineSpans } from '../../src/redact/line.js';
import { defaultRuleSet, type PatternRule, type RuleSet } from '../../src/redact/index.js';

/** The loop over the rule's own `d` pattern, as it was before the twins. */
function referenceSpans(rule: PatternRule, line: string): { start: number; end: number; rule: string }[] {
  const spans: { start: number; end: number; rule: string }[] = [];
  const pattern = new RegExp(rule.pattern.source, rule.pattern.flags);
  for (let match = pattern.exec(line); match !== null; match = pattern.exec(line)) {
    const pair = typeof rule.group === 'number' ? match.indices?.[rule.group] : match.indices?.groups?.[rule.group];
    const advanceTo = Math.max(match.index + 1, pair?.[0] ?? 0);
    if (pair === undefined || pair[1] <= pair[0]) {
      pattern.lastIndex = match[0].length === 0 ? match.index + 1 : Math.max(pattern.lastIndex, advanceTo);
      continue;
    }
    let [start, end] = pair;
    let value = line.slice(start, end);
    if (rule.narrow !== undefined) {
      end = start + rule.narrow(value);
      value = line.slice(start, end);
    }
    if (end > start && (rule.accept === undefined || rule.accept(value, match))) {
      if (rule.whole !== undefined) end = rule.whole(line, start, end);
      spans.push({ start, end, rule: rule.id });
      pattern.lastIndex = Math.max(end, match.index + 1);
    } else pattern.lastIndex = advanceTo;
  }
  return spans;
}

const rules = defaultRuleSet();
const patternRules = rules.rules.filter((rule) => rule.find === undefined);
const only = (rule: PatternRule): RuleSet => ({ ...rules, rules: [rule] });

const piece = fc.constantFrom(
  'password', 'secret', 'token', 'api_key', 'pwd', 'user', 'ref', 'key', 'AKIA', 'ghp_', 'xoxb-', 'hvs.', 'eyJ', 'bearer ', 'Bearer ',
  ':', ': ', '=', ' = ', '"', "'", '\\"', '{', '}', '[', ']', ',', ', ', ' ', '\t', '#', ' # ', '-', '--password ', 'export ',
  'postgres://', '@', '//', '/', 'vault://', 'x', 'a1B2c3D4e5F6g7H8', '0123456789abcdef', 'hunter2', 'aB3$xY9!', 'ABCDEFGHIJKLMNOP',
  '${X}', '$(cmd)', 'https://u:p@h', ';', '&', '?token=', '.',
);

describe('pattern rule spans', () => {
  it('are those of the loop over the d pattern, for every default rule', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 24 }), (pieces) => {
        const line = pieces.join('');
        for (const rule of patternRules) {
          if (rule.scanOnly === true) continue;
          expect(findLineSpans(line, only(rule), undefined, false), rule.id).toEqual(referenceSpans(rule, line));
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('find a value repeated inside its own match where the d pattern does', () => {
    // `token: token` and `pass=pass`: the value's text occurs twice in the match, so its place is asked of the d twin.
    for (const line of ['token: token', 'secret: "secret"', 'pass=pass', 'a: {password: password}', 'password: p, password: p']) {
      for (const rule of patternRules) expect(findLineSpans(line, only(rule), undefined, false), `${rule.id} on ${line}`).toEqual(referenceSpans(rule, line));
    }
  });
});

/** The trailing-closer cut as first written: the value up to the closer, split by closer and by opener. */
function referenceCut(value: string, end: number): number {
  const unbalanced = (open: string, close: string, upTo: number): boolean => value.slice(0, upTo).split(close).length > value.slice(0, upTo).split(open).length;
  for (;;) {
    const last = value[end - 1];
    if (last === undefined) break;
    if (/\s|,/.test(last) || (last === '}' && unbalanced('{', '}', end)) || (last === ']' && unbalanced('[', ']', end))) end -= 1;
    else break;
  }
  return end;
}

describe('unquoted value length', () => {
  it('cuts trailing closers, blanks and commas as the per-character count did', () => {
    const chars = fc.constantFrom('{', '}', '[', ']', ' ', ',', 'a', '$', '\t');
    fc.assert(
      fc.property(fc.array(chars, { minLength: 1, maxLength: 16 }), (parts) => {
        const value = `v${parts.join('')}`;
        expect(unquotedValueLength(value)).toBe(referenceCut(value, value.length));
      }),
      { numRuns: 3000 },
    );
  });
});
