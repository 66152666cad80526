// The leak gate's own prefilter (src/redact/gate-words.ts) against the plain definition: the
// first position where a word starts with ASCII letter case folded, as indexOf finds it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GateWindow, GateWords } from '../../src/redact/gate-words.js';

const asciiFold = (text: string): string => text.replace(/[A-Z]/g, (c) => c.toLowerCase());

function reference(words: string[], text: string, from: number): number {
  const folded = asciiFold(text);
  const hits = words.map((word) => folded.indexOf(word, from)).filter((at) => at !== -1);
  return hits.length === 0 ? -1 : Math.min(...hits);
}

describe('gate words', () => {
  // Bytes that OR 0x20 folds onto a word's bytes without being that letter (`\r` onto `-`, `@`
  // onto a backtick, `_` onto DEL) and characters above U+00FF whose low byte is a word's (`ū` is
  // U+016B: `k`): candidates for the bit table, never hits.
  const words = ['key', 'pass', '-u', 'q~', 'sk-', 'ops_eyj', 'eyj', '://', 'k_live_', 'a_'];
  const piece = fc.constantFrom(...words, 'KEY', 'Key', 'kEy', 'PaSs', '-U', 'Q~', 'SK-', 'OPS_EYJ', 'eyJ', 'K_LIVE_', 'A_', '\r', '\ru', '@', '`', '_', '\x7f', 'ū', 'ūey', 'k', 'e', 'y', ' ', '\n', 'x', '€', '-', 's', 'a', 'A');

  it('finds the first word in any letter case, as indexOf on the folded text does, with windows of any size', () => {
    fc.assert(
      fc.property(fc.subarray(words, { minLength: 1 }), fc.array(piece, { maxLength: 40 }), fc.nat(), fc.integer({ min: 4, max: 11 }), (chosen, pieces, seed, span) => {
        const text = pieces.join('');
        const gate = new GateWords(chosen, span);
        const window = new GateWindow().reset(text);
        // Growing `from`, sharing the window, as the gate calls it.
        for (let from = seed % (text.length + 1); from <= text.length; from += 1 + (seed % 4)) {
          expect(gate.find(window, from)).toBe(reference(chosen, text, from));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('tells whether a word occurs in ASCII bytes not yet decoded, as indexOf on their folded text does', () => {
    const asciiPiece = fc.constantFrom(...words, 'KEY', 'PaSs', '-U', 'Q~', 'SK-', 'eyJ', '\r', '\ru', '@', '`', '_', '\x7f', 'k', 'e', 'y', ' ', '\n', 'x', '-', 's', 'u', '~', 'q');
    fc.assert(
      fc.property(fc.subarray(words, { minLength: 1 }), fc.array(asciiPiece, { maxLength: 40 }), (chosen, pieces) => {
        const text = pieces.join('');
        const gate = new GateWords(chosen);
        // At several starts, so that each word is tried at every place in a 32-bit word and at the end.
        for (let start = 0; start <= Math.min(text.length, 5); start += 1) {
          const tail = text.slice(start);
          expect(gate.occursInAscii(Buffer.from(tail, 'latin1'))).toBe(reference(chosen, tail, 0) !== -1);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps the answers of two word lists apart when they take turns', () => {
    const keys = new GateWords(['key']);
    const pass = new GateWords(['pass']);
    const text = Buffer.from('a long enough line with a PASS in it');
    for (let round = 0; round < 3; round += 1) {
      expect(keys.occursInAscii(text)).toBe(false);
      expect(pass.occursInAscii(text)).toBe(true);
    }
  });

  it('finds words across window edges in a long text, and nothing past them', () => {
    const text = `${'b'.repeat(40_000)}kEx ${'c'.repeat(32_767)}PassWord${'d'.repeat(9)}`;
    const gate = new GateWords(['key', 'password']);
    const window = new GateWindow().reset(text);
    expect(gate.find(window, 0)).toBe(40_000 + 4 + 32_767);
    expect(gate.find(window, 40_000 + 4 + 32_768)).toBe(-1);
  });

  it('takes only lower-case ASCII words of two characters or more', () => {
    expect(() => new GateWords(['k'])).toThrow(/two characters/);
    expect(() => new GateWords(['Key'])).toThrow(/lower-case/);
    expect(() => new GateWords(['kéy'])).toThrow(/ASCII/);
  });
});
