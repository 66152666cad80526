import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DOCUMENT_RULES, isPlaceholder, makeSource } from '../../src/contracts/index.js';

const [placeholder, inlineSecret] = DOCUMENT_RULES;

function pointers(rule: (typeof DOCUMENT_RULES)[number], value: unknown): string[] {
  // The text scan's findings (a line, no pointer) are left out: the text here is one line of JSON.
  const findings = rule.check(makeSource('x.json', JSON.stringify(value), value));
  return findings.filter((finding) => finding.data?.line === undefined).map((finding) => finding.pointer);
}

describe('generic document rules', () => {
  const value = {
    a: ['TODO', { 'b/c': 'changeme', password: 'p1' }],
    token: 'inline',
    nested: { 'x~y': { api_token: 42, secret: '' }, list: [['<fill>'], 'ok'] },
  };

  it('report placeholders in document order, with escaped pointers', () => {
    expect(pointers(placeholder!, value)).toEqual(['/a/0', '/a/1/b~1c', '/nested/list/0/0']);
  });

  it('report secret-named keys that hold a value, keys of a mapping last to first', () => {
    expect(pointers(inlineSecret!, value)).toEqual(['/token', '/a/1/password', '/nested/x~0y/api_token']);
  });
});

describe('placeholder test', () => {
  // The three patterns it was first written as; the one regex must agree with them on any text.
  const original = [/<[^<>\n]{1,80}>/, /\b(TODO|TBD|FIXME|XXX)\b/, /change[-_ ]?me/i];
  const piece = fc.constantFrom('<', '>', 'x', ' ', '\n', 'TODO', 'todo', 'TBD', 'FIXME', 'XXX', 'xxx', '_', 'CHANGE', 'change', 'ChAnGe', '-', 'me', 'ME', 'Me', 'ſ', 'K', 'a'.repeat(79), 'é');
  it('agrees with the three original patterns', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const text = pieces.join('');
        expect(isPlaceholder(text)).toBe(original.some((pattern) => pattern.test(text)));
      }),
      { numRuns: 3000 },
    );
  });
});
