import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PointerLocator } from '../../src/contracts/pointer-locator.js';
import { syntaxOf } from '../../src/contracts/source.js';
import { pointerAt, scanContractText } from '../../src/contracts/text-scan.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

/** Every YAML text the project holds: contracts, examples, fixtures, profiles. */
function projectTexts(): { name: string; text: string }[] {
  const found: { name: string; text: string }[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ya?ml|yml\.example)$/.test(entry.name)) found.push({ name: relative(PROJECT_ROOT, path), text: readFileSync(path, 'utf8') });
    }
  };
  for (const dir of ['examples', 'profiles', 'contracts', 'test/contracts/fixtures']) walk(join(PROJECT_ROOT, dir));
  return found;
}

/** Texts written to reach the corners: flow inside block, compact sequences, empty values, quotes, comments, CRLF, nulls, numbers as keys. */
const CORNERS = [
  'a: 1\nb:\n  - x\n  - {k: v, rotate_credentials: manual}\n  - c: "q"  # password: hunter2\n    d: e\n',
  'spec:\n  consumers:\n  - type: db\n    lifecycle: { rotate_credentials: manual, revoke: true }\n  - type: cache\n',
  'a:\nb: 1\nc: ~\nd: null\n"quoted key": value\n\'single\': \'it\'\'s\'\n',
  '- \n- x\n- - y\n  - z\n-   [1, 2, {p: q}]\n',
  '{a, b: c}\n',
  'k: [1, {x: y}, [z]]\nl: {m: [n, o], "p/q": r, s~t: u}\n',
  'x:\n- a\n- b: c\n  d:\n  e: f\n',
  'top:\r\n  key: value\r\n  list:\r\n    - one\r\n    - two: 2\r\n',
  '1: one\n2.5: two\ntrue: yes\non: off\nyes: no\nnull: x\n0x10: hex\n',
  'plain: a long\n  folded plain\n  scalar\nnext: "double\n  quoted"\n',
  '---\nafter: marker\n# comment\nz: [a, b]   # trailing\n',
  'key:    # comment before the value\n  value\nother: 1\n',
  'text: "escaped \\" quote and \\u00e9"\nsecond: \'x\'\n',
  'deep: {a: {b: {c: [d, {e: f}]}}}\n',
  'seq:\n- a\n-\n- c\n',
  'dup: 1\ndup: 2\n',
  'a: b\n---\nc: d\n',
  'empty: {}\nlist: []\nnested: [[], {}]\n',
  'url: http://example.com/a?b=c\nport: "8080"\n',
];

/** A small seeded generator of block and flow YAML, nested, with comments and quotes: shapes no fixture has. */
function generated(count: number): { name: string; text: string }[] {
  let seed = 7;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return (seed >>> 16) % n;
  };
  const words = ['name', 'rotate_credentials', 'password', 'db-url', 'x.y', '"quoted key"', "'single'", 'on', '12', 'token_ref', 'a/b'];
  const scalars = ['manual', 'hunter2', '"a \\" b"', "'it''s'", '42', 'true', '~', '', 'two words', 'http://h/p?q=1', '"multi\n  line"'];
  const flow = (depth: number): string => {
    if (depth > 2 || random(3) === 0) return scalars[random(scalars.length)] || 'x';
    return random(2) === 0
      ? `{ ${Array.from({ length: 1 + random(3) }, (_, i) => `${words[random(words.length)]}${i}: ${flow(depth + 1)}`).join(', ')} }`
      : `[${Array.from({ length: random(4) }, () => flow(depth + 1)).join(', ')}]`;
  };
  const block = (indent: string, depth: number): string => {
    const lines: string[] = [];
    const entries = 1 + random(4);
    const asList = random(3) === 0;
    for (let i = 0; i < entries; i += 1) {
      const comment = random(5) === 0 ? '  # secret: abc' : '';
      const lead = asList ? `${indent}- ` : `${indent}${words[random(words.length)]}${i}: `;
      const choice = depth > 3 ? 0 : random(4);
      if (choice === 0) lines.push(`${lead}${scalars[random(scalars.length)]}${comment}`);
      else if (choice === 1) lines.push(`${lead}${flow(0)}${comment}`);
      else if (asList && choice === 2) lines.push(`${indent}- ${words[random(words.length)]}: ${flow(1)}\n${indent}  k${i}: v`);
      else lines.push(`${asList ? `${indent}-` : `${indent}${words[random(words.length)]}${i}:`}${comment}\n${block(`${indent}  `, depth + 1)}`);
    }
    return lines.join('\n');
  };
  return Array.from({ length: count }, (_, index) => ({ name: `generated ${index}`, text: `${block('', 0)}\n` }));
}

function positions(text: string): { line: number; column: number }[] {
  return text.split('\n').flatMap((line, index) => Array.from({ length: line.length + 1 }, (_, column) => ({ line: index + 1, column: column + 1 })));
}

describe('the pointer locator', () => {
  it('gives the pointer the syntax tree gives, at every position it answers for, in YAML 1.2 and 1.1', () => {
    const texts = [...projectTexts(), ...CORNERS.map((text, index) => ({ name: `corner ${index}`, text })), ...generated(1500)];
    expect(texts.length).toBeGreaterThan(60);
    let answered = 0;
    let visible = 0;
    for (const { name, text } of texts) {
      const locator = PointerLocator.of(text);
      if (locator === undefined) continue;
      for (const version of ['1.2', '1.1'] as const) {
        const syntax = syntaxOf(text, version);
        for (const { line, column } of positions(text)) {
          if (!/[ \r]/.test(text.split('\n')[line - 1]![column - 1] ?? ' ')) visible += 1;
          const fast = locator.pointerAt(line, column);
          if (fast === undefined) continue;
          answered += 1;
          expect({ name, version, line, column, pointer: fast }).toEqual({ name, version, line, column, pointer: pointerAt(syntax, line, column) });
        }
      }
    }
    // Not a vacuous comparison: most visible characters are answered for.
    expect(answered / visible).toBeGreaterThan(0.6);
  });

  it('answers inside keys and values of block and flow mappings, and declines where it cannot be sure', () => {
    const text = 'spec:\n  consumers:\n  - type: db\n    lifecycle: { rotate_credentials: manual, revoke: true }\n';
    const locator = PointerLocator.of(text)!;
    expect(locator.pointerAt(4, 19)).toBe('/spec/consumers/0/lifecycle/rotate_credentials');
    expect(locator.pointerAt(4, 40)).toBe('/spec/consumers/0/lifecycle/rotate_credentials');
    expect(locator.pointerAt(3, 11)).toBe('/spec/consumers/0/type');
    // Between tokens (the colon, the brace) the syntax tree decides.
    expect(locator.pointerAt(4, 14)).toBeUndefined();
    expect(locator.pointerAt(4, 16)).toBeUndefined();
    for (const outside of ['a: &x 1\nb: *x\n', 'a: !!str 1\n', 'a: |\n  text\n', '? complex\n: key\n', '\ufeffa: 1\n', 'a:\t1\n', 'a: b\n---\nc: d\n', '- \n- x\n', '{a, b: c}\n', 'bad: [\n']) {
      expect(PointerLocator.of(outside)?.pointerAt(1, 1), JSON.stringify(outside)).toBeUndefined();
    }
  });

  it('declines keys that YAML 1.1 reads as something other than the same string', () => {
    const locator = PointerLocator.of('on: 1\nyes: 2\n8080: 3\nname: 4\n')!;
    expect([1, 2, 3].map((line) => locator.pointerAt(line, 1))).toEqual([undefined, undefined, undefined]);
    expect(locator.pointerAt(4, 1)).toBe('/name');
  });

  it('spares the text scan the syntax tree for hits it answers, and asks for it for the others', () => {
    const refuse = (): never => {
      throw new Error('the syntax tree was asked for');
    };
    const found = scanContractText('spec:\n  lifecycle: { rotate_credentials: manual }\n', refuse);
    expect(found.map((hit) => hit.pointer)).toEqual(['/spec/lifecycle/rotate_credentials']);
    const text = 'spec:\n  lifecycle: { rotate_credentials: manual }\n  other: &a x\n';
    expect(() => scanContractText(text, refuse)).toThrow('the syntax tree was asked for');
    expect(scanContractText(text, () => syntaxOf(text, '1.2')).map((hit) => hit.pointer)).toEqual(['/spec/lifecycle/rotate_credentials']);
  });
});
