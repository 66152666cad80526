// The fast prefilter must pick exactly the lines the straightforward one picked: these compare
// the rewritten triggers with the original regexes on generated text.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnchorScanner, type Anchor } from '../../src/redact/anchors.js';
import { firstTriggerPosition, mayTriggerInAscii, withoutContaining, type EngineMode } from '../../src/redact/triggers.js';
import { escapeRegex } from '../../src/redact/ruleset.js';
import { createTextRedactor, defaultRuleSet, redactText, type PatternRule, type RuleSet } from '../../src/redact/index.js';

/** The structure trigger before the rewrite. */
const ORIGINAL_STRUCTURE = /^(?:---|\.\.\.)|^[ \t]*(?:- )?(?:kind|data|stringData)[ \t]*:/gm;

function firstMatch(pattern: RegExp, text: string, from: number): number {
  pattern.lastIndex = from;
  const match = pattern.exec(text);
  return match === null ? -1 : match.index;
}

const structurePiece = fc.constantFrom('---', '...', '-', '.', ' ', '\t', '- ', 'kind', 'data', 'stringData', ':', 'x', '\n', '\r', '\r\n', '\u2028', '\u2029');

/** No rules: the engine's prefilter then looks for the YAML structure alone. */
const NO_RULES: RuleSet = { rules: [], allow: [], source: 'test' };

describe('structure trigger', () => {
  it('finds the same first line start as the multiline regex, from any position', () => {
    fc.assert(
      fc.property(fc.array(structurePiece, { maxLength: 30 }), fc.nat(), (pieces, seed) => {
        const text = pieces.join('');
        const from = seed % (text.length + 1);
        expect(firstTriggerPosition(NO_RULES, 'redact', text, from)).toBe(firstMatch(ORIGINAL_STRUCTURE, text, from));
      }),
      { numRuns: 2000 },
    );
  });

  it('matches at the very start and right after each kind of line terminator', () => {
    const at = (text: string, from: number): number => firstTriggerPosition(NO_RULES, 'redact', text, from);
    expect(at('kind: Secret', 0)).toBe(0);
    expect(at('x\rdata:', 0)).toBe(2);
    expect(at('x\u2028---', 0)).toBe(2);
    expect(at('x\n  - stringData :', 2)).toBe(2);
    expect(at('x data:', 0)).toBe(-1);
  });
});

describe('prefilter on undecoded ASCII bytes', () => {
  const rules = defaultRuleSet();
  const corpusLines = (): string[] => readdirSync(join(__dirname, 'corpus')).flatMap((name) => readFileSync(join(__dirname, 'corpus', name), 'utf8').split('\n'));
  const modes: EngineMode[] = ['redact', 'detect', 'scan'];

  it('says "nothing" only where the text cursor finds nothing, on corpus lines and structure', () => {
    const texts = [...corpusLines(), 'kind: Secret', '  data:\n', 'x\n- stringData :', '---\n', 'x\r...', 'step applied: revision 4f2a9c1 on db-07'];
    let nothing = 0;
    for (const text of texts.filter((t) => /^[\x00-\x7f]*$/.test(t))) {
      for (const mode of modes) {
        const found = firstTriggerPosition(rules, mode, text, 0) !== -1;
        const may = mayTriggerInAscii(rules, mode, Buffer.from(text, 'latin1'));
        if (found) expect(may, text).toBe(true);
        if (!may) nothing += 1;
      }
    }
    // The shortcut is taken (else the check above says nothing).
    expect(nothing).toBeGreaterThan(50);
  });

  it('says "nothing" only where the text cursor finds nothing, on generated structure and keywords', () => {
    const piece = fc.constantFrom('---', '...', '-', '.', ' ', '\t', '- ', 'kind', 'data', 'stringData', 'step', ':', 'x', '\n', '\r', 'pass', 'Key', 'hvs.', 's.', 'SK');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), fc.constantFrom(...modes), (pieces, mode) => {
        const text = pieces.join('');
        if (firstTriggerPosition(rules, mode, text, 0) !== -1) expect(mayTriggerInAscii(rules, mode, Buffer.from(text, 'latin1'))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('cannot tell without decoding when a rule has a trigger regex of its own', () => {
    const custom: RuleSet = { rules: [{ id: 'x', pattern: /zz(\d+)/g, group: 1, triggers: [/zz\d/g] } as PatternRule], allow: [], source: 'test' };
    expect(mayTriggerInAscii(custom, 'redact', Buffer.from('plain text'))).toBe(true);
  });
});

describe('anchor scanner', () => {
  // Characters above U+00FF whose low byte is a literal's byte (`ū` is U+016B, low byte `k`;
  // `Ĳ`/`ĺ` U+0132/U+013A end in `2` and `:`): candidates only, never hits.
  const literals = ['key', 'KEY', 'k', 'ey', '://', 'ab', 'x~', '{"', '€u', 'ŝ.'];
  const piece = fc.constantFrom(...literals, 'a', 'b', 'k', 'e', 'y', 'K', 'E', ':', '/', '~', 'x', '{', '"', '€', 'u', 'ū', 'Ĳ', 'ĺ', 'ŝ', '.', '\n', ' ', 'ke', 'ŋey');

  function reference(chosen: string[], text: string, from: number): number {
    const hits = chosen.map((literal) => text.indexOf(literal, from)).filter((at) => at !== -1);
    return hits.length === 0 ? -1 : Math.min(...hits);
  }

  it('finds the first occurrence of any literal, as indexOf does, with windows of any size', () => {
    fc.assert(
      fc.property(fc.subarray(literals, { minLength: 1 }), fc.array(piece, { maxLength: 40 }), fc.nat(), fc.integer({ min: 3, max: 9 }), (chosen, pieces, seed, window) => {
        const text = pieces.join('');
        const cursor = new AnchorScanner(chosen.map((literal) => ({ literal, shift: 0 })), window).cursor(text);
        // Consecutive calls with growing `from`, as the engine makes them, share the cursor.
        for (let from = seed % (text.length + 1); from <= text.length; from += 1 + (seed % 5)) {
          expect(cursor.next(from)).toBe(reference(chosen, text, from));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reports shifted positions only at or after `from`, and only where the check matches', () => {
    const anchors: Anchor[] = [{ literal: '\nk', shift: 1, check: /kind:/y }, { literal: 'pass', shift: 0 }];
    const scanner = new AnchorScanner(anchors, 4);
    expect(scanner.cursor('x\nkey\nkind: A').next(0)).toBe(6);
    expect(scanner.cursor('x\nkind: A').next(2)).toBe(2);
    expect(scanner.cursor('x\nkind: A').next(3)).toBe(-1);
    expect(scanner.cursor('a pass\nkind:').next(0)).toBe(2);
    expect(scanner.cursor('a pas').next(0)).toBe(-1);
  });

  it('finds literals across window edges in a long text', () => {
    const text = `${'a'.repeat(70_000)}kEy ${'b'.repeat(65_535)}key${'c'.repeat(10)}`;
    const cursor = new AnchorScanner([{ literal: 'key', shift: 0 }]).cursor(text);
    expect(cursor.next(0)).toBe(70_000 + 4 + 65_535);
    expect(cursor.next(70_000 + 4 + 65_536)).toBe(-1);
  });

  it('tells whether a literal occurs in ASCII bytes not yet decoded, as indexOf does', () => {
    const ascii = [...literals.filter((literal) => /^[\x00-\x7f]+$/.test(literal)), 'k', '.', 'uk', '"{'];
    const asciiPiece = fc.constantFrom(...ascii, 'a', 'b', 'k', 'e', 'y', 'K', ':', '/', '~', 'x', '{', '"', 'u', '.', '\n', ' ', 'ke');
    fc.assert(
      fc.property(fc.subarray(ascii, { minLength: 1 }), fc.array(asciiPiece, { maxLength: 40 }), (chosen, pieces) => {
        const text = pieces.join('');
        const scanner = new AnchorScanner(chosen.map((literal) => ({ literal, shift: 0 })));
        // At several starts, so that each literal is tried at every place in a 32-bit word and at the end.
        for (let start = 0; start <= Math.min(text.length, 5); start += 1) {
          const tail = text.slice(start);
          expect(scanner.occursInAscii(Buffer.from(tail, 'latin1'))).toBe(reference(chosen, tail, 0) !== -1);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('finds every literal in ASCII bytes when their pairs need more than 255 rows of third bytes', () => {
    // 400 first pairs, each going on with its own two third bytes: 400 different rows, so the
    // pairs past the 254th share the last row (which lets any of their third bytes go on).
    const letters = 'abcdefghijklmnopqrst';
    const thirds = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const many: string[] = [];
    for (let i = 0; i < 400; i += 1) {
      const pair = `${letters[i % 20]}${letters[Math.floor(i / 20)]}`;
      many.push(`${pair}${thirds[i % 36]}`, `${pair}${thirds[(i * 7 + Math.floor(i / 36) + 1) % 36]}x`);
    }
    const scanner = new AnchorScanner(many.map((literal) => ({ literal, shift: 0 })));
    const piece = fc.constantFrom(...many.slice(500), ...letters, ...thirds, 'x', ' ');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const text = pieces.join('');
        for (let start = 0; start <= Math.min(text.length, 4); start += 1) {
          const tail = text.slice(start);
          expect(scanner.occursInAscii(Buffer.from(tail, 'latin1'))).toBe(reference(many, tail, 0) !== -1);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('reports a literal with a check wherever it occurs in bytes (the check needs the text), and none above U+007F', () => {
    const scanner = new AnchorScanner([{ literal: '\nk', shift: 1, check: /kind:/y }, { literal: '€u', shift: 0 }], 4);
    expect(scanner.occursInAscii(Buffer.from('x\nkey'))).toBe(true);
    expect(scanner.occursInAscii(Buffer.from('x\nyek \xacu and more', 'latin1'))).toBe(false);
  });

  it('keeps the answers of two scanners apart when they take turns', () => {
    const keys = new AnchorScanner([{ literal: 'key', shift: 0 }]);
    const pass = new AnchorScanner([{ literal: 'pass', shift: 0 }]);
    const text = Buffer.from('a long enough line with a pass in it');
    for (let round = 0; round < 3; round += 1) {
      expect(keys.occursInAscii(text)).toBe(false);
      expect(pass.occursInAscii(text)).toBe(true);
    }
  });

  it('refuses an empty literal', () => {
    expect(() => new AnchorScanner([{ literal: '', shift: 0 }])).toThrow(/empty/);
  });
});

describe('stream slices', () => {
  it('matches redactText when one large chunk is cut into slices inside characters and secrets', async () => {
    const rules = defaultRuleSet();
    // Lines of 100 bytes with a 3-byte character, and secrets, placed across the 64 KiB cuts.
    // The first line puts the 64 KiB cut inside a three-byte `€`.
    const lines: string[] = [`${'x'.repeat(65534)} € password: hunter2`];
    for (let i = 0; i < 3000; i += 1) {
      lines.push(i % 7 === 3 ? `token: s3cr3t-${i}-abcdef ${'€'.repeat(i % 5)}` : `plain €${'x'.repeat(i % 97)}`);
    }
    const text = `${lines.join('\n')}\n`;
    expect(Buffer.from(text, 'utf8')[65536]! & 0xc0).toBe(0x80);
    const expected = redactText(text, rules);
    expect(expected.records.length).toBeGreaterThan(0);
    const redactor = createTextRedactor(rules);
    const out: Buffer[] = [];
    redactor.on('data', (b: Buffer) => out.push(b));
    await new Promise<void>((resolve, reject) => {
      Readable.from([Buffer.from(text, 'utf8')]).pipe(redactor).on('end', resolve).on('error', reject);
    });
    expect(Buffer.concat(out).toString('utf8')).toBe(expected.text);
    expect(redactor.records()).toEqual(expected.records);
  });
});

describe('stream fast path', () => {
  it('never passes invalid UTF-8 through: output equals redactText of the decoded text, any cuts', async () => {
    const rules = defaultRuleSet();
    const bytes = Buffer.concat([
      Buffer.from('ok line\nbroken \xe2\x82\nlone \xff byte\n', 'latin1'),
      Buffer.from(`${'y'.repeat(70000)}\npassword: hunter2\n€ end`, 'utf8'),
    ]);
    const expected = redactText(bytes.toString('utf8'), rules).text;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: bytes.length }), { maxLength: 6 }), async (points) => {
        const cuts = [...new Set(points)].sort((a, b) => a - b);
        const chunks = [0, ...cuts].map((from, i) => bytes.subarray(from, cuts[i] ?? bytes.length)).filter((c) => c.length > 0);
        const redactor = createTextRedactor(rules);
        const out: Buffer[] = [];
        redactor.on('data', (b: Buffer) => out.push(b));
        await new Promise<void>((resolve, reject) => {
          Readable.from(chunks).pipe(redactor).on('end', resolve).on('error', reject);
        });
        expect(Buffer.concat(out).toString('utf8')).toBe(expected);
        expect(Buffer.concat(out).equals(Buffer.from(expected, 'utf8'))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});

describe('shared trigger pass', () => {
  const rules = defaultRuleSet();
  /** The vault-token trigger as first written: case-insensitive. */
  const ORIGINAL_VAULT = /\b(?:hv[sbr]\.|[sbr]\.[A-Za-z0-9]{24})/gim;
  const variants = (keyword: string): string[] => {
    const lower = keyword.toLowerCase();
    return [lower, lower.charAt(0).toUpperCase() + lower.slice(1), lower.toUpperCase(), keyword];
  };

  /** The triggers as first written: the structure, each rule trigger and one alternation of every keyword form. */
  function referencePatterns(mode: EngineMode): RegExp[] {
    const patterns: RegExp[] = [];
    const forms = new Set<string>();
    for (const rule of rules.rules) {
      if (mode !== 'scan' && rule.scanOnly === true) continue;
      if (rule.keywords === undefined) patterns.push(...rule.triggers.map((t) => (rule.id === 'vault-token' ? ORIGINAL_VAULT : new RegExp(t.source, t.flags))));
      else for (const keyword of rule.keywords) for (const form of rule.caseSensitive === true ? [keyword] : variants(keyword)) forms.add(form);
    }
    // A form that contains another (`AGE-SECRET-KEY-`, `SECRET`) is found by the shorter one, on the same line.
    patterns.push(new RegExp([...withoutContaining(forms)].map(escapeRegex).join('|'), 'g'));
    return patterns;
  }
  const reference = { redact: referencePatterns('redact'), scan: referencePatterns('scan') };

  function referencePosition(mode: 'redact' | 'scan', text: string, from: number): number {
    const patterns = reference[mode];
    const hits = [firstMatch(ORIGINAL_STRUCTURE, text, from), ...patterns.map((p) => firstMatch(p, text, from))].filter((at) => at !== -1);
    return hits.length === 0 ? -1 : Math.min(...hits);
  }

  const forms = new Set<string>();
  for (const rule of rules.rules) for (const keyword of rule.keywords ?? []) for (const form of variants(keyword)) forms.add(form);
  const corpusLines = readdirSync(join(__dirname, 'corpus'))
    .flatMap((name) => readFileSync(join(__dirname, 'corpus', name), 'utf8').split('\n'))
    .filter((line) => line.length > 0);
  const base62 = 'Ab3dE5gH7jK9mN1pQ2sT4vW6y';
  const piece = fc.oneof(
    fc.constantFrom(...forms),
    fc.constantFrom(...[...forms].map((f) => f.slice(0, Math.max(1, f.length - 1)))),
    fc.constantFrom('hvs.', 'HvS.', 'hVb.', 'r.', 'S.', 'b.', base62, `s.${base62}`, `_s.${base62}`, `xs.${base62}`, '-s.', 'sK', 'Sk', 'pAsS', 'q~', 'Q~'),
    fc.constantFrom('---', '...', '- ', 'kind', 'data', 'stringData', ':', ' ', '\t', '\n', '\r', '\r\n', '\u2028', '\u2029', '{', '"', '\\', '-', '_', '.', 'x', 'A', '€'),
    fc.constantFrom(...corpusLines),
  );

  for (const mode of ['redact', 'scan'] as const) {
    it(`finds the same first position as the separate triggers (${mode}), from any position`, () => {
      fc.assert(
        fc.property(fc.array(piece, { maxLength: 24 }), fc.nat(), (pieces, seed) => {
          const text = pieces.join('');
          const from = seed % (text.length + 1);
          expect(firstTriggerPosition(rules, mode, text, from)).toBe(referencePosition(mode, text, from));
        }),
        { numRuns: 3000 },
      );
    });
  }

  it('on every corpus line and from every position of a few, the same first position', () => {
    const text = corpusLines.join('\n');
    for (let from = 0; from <= text.length; from += 7) {
      expect(firstTriggerPosition(rules, 'redact', text, from)).toBe(referencePosition('redact', text, from));
    }
    for (const line of corpusLines) for (let from = 0; from <= Math.min(line.length, 40); from += 1) expect(firstTriggerPosition(rules, 'scan', line, from)).toBe(referencePosition('scan', line, from));
  });

  it('the vault-token trigger, spelled out in both cases, matches what the case-insensitive one did', () => {
    const vault = rules.rules.find((r) => r.id === 'vault-token')!.triggers[0]!;
    fc.assert(
      fc.property(fc.array(fc.constantFrom('h', 'H', 'v', 'V', 's', 'S', 'b', 'B', 'r', 'R', '.', '_', 'x', '9', ' ', base62, 'ſ', 'K'), { maxLength: 30 }), fc.nat(), (pieces, seed) => {
        const text = pieces.join('');
        const from = seed % (text.length + 1);
        expect(firstMatch(vault, text, from)).toBe(firstMatch(ORIGINAL_VAULT, text, from));
      }),
      { numRuns: 3000 },
    );
  });
});
