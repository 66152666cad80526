/**
 * The leak gate's prefilter: where in a text the next line worth the gate's checks is. Built
 * apart from the engine's prefilter (anchors.ts), so that a fault in one is not a fault in both:
 * its own words, compared in any letter case, and its own search.
 *
 * The search: the text is copied a window at a time into Latin-1 bytes (one byte per UTF-16
 * unit, so positions agree with the string). Every byte of a 32-bit word is OR-ed with 0x20,
 * which maps each upper-case ASCII letter onto its lower-case form (and a few other pairs of
 * bytes onto each other: a superset, never a miss), and the four pairs of folded bytes that
 * start in the word are looked up in a bit table of the words' first pairs. Only then are the
 * words compared with the text itself, letter case folded exactly (ASCII letters only).
 *
 * A window can also hold ASCII bytes not yet decoded (a file as read): their positions are their
 * text's, the bytes are copied instead of encoded and the words compared with them.
 */

/** UTF-16 units copied per window; the pair and word reads go past it into the padding. */
const SPAN = 32 * 1024;
const PADDING = 9;
const FOLD = 0x20202020;

export class GateWords {
  /** For each folded pair (first | second << 8): 1 + the number of the group of words that start so, or 0. */
  private readonly starts = new Uint16Array(1 << 16);
  /** For group g and a folded third byte c, `thirds[g << 8 | c]` is 1 when a word of the group can go on with c. */
  private readonly thirds: Uint8Array;
  private readonly groups: string[][] = [];

  /** `words`: lower-case ASCII, at least two characters each. */
  constructor(words: readonly string[], private readonly span = SPAN) {
    if (span < 4) throw new Error('a gate window holds at least four characters');
    for (const word of words) {
      if (word.length < 2 || /[^\x20-\x7e]|[A-Z]/.test(word)) throw new Error(`a gate word is lower-case ASCII of two characters or more: ${JSON.stringify(word)}`);
      const pair = (word.charCodeAt(0) | 0x20) | ((word.charCodeAt(1) | 0x20) << 8);
      if (this.starts[pair] === 0) this.starts[pair] = this.groups.push([]);
      this.groups[this.starts[pair]! - 1]!.push(word);
    }
    this.thirds = new Uint8Array((this.groups.length + 1) << 8);
    this.groups.forEach((group, i) => {
      for (const word of group) {
        // A two-character word goes on with anything, the end of the text (a 0 byte) included.
        if (word.length === 2) this.thirds.fill(1, (i + 1) << 8, (i + 2) << 8);
        else this.thirds[((i + 1) << 8) | (word.charCodeAt(2) | 0x20)] = 1;
      }
    });
  }

  /** The first position at or after `from` where a word starts (any letter case), or -1. */
  find(window: GateWindow, from: number): number {
    const length = window.source.length;
    for (let at = from; at < length; ) {
      if (!window.filled || at < window.start || at >= window.start + this.span) window.fill(at, this.span);
      const end = Math.min(length, window.start + this.span);
      const found = this.search(window, at, end);
      if (found !== -1) return found;
      at = end;
    }
    return -1;
  }

  /** Positions [at, end) of the window's text. */
  private search(window: GateWindow, at: number, end: number): number {
    const view = window.view;
    const starts = this.starts;
    const thirds = this.thirds;
    const last = end - window.start;
    let offset = (at - window.start) & ~3;
    let after = (view.getUint32(offset, true) | FOLD) >>> 0;
    for (; offset < last; offset += 4) {
      const word = after;
      after = (view.getUint32(offset + 4, true) | FOLD) >>> 0;
      // Folded pair, then folded third byte, for each of the four positions (row 0 of `thirds`, no pair, is all 0).
      if (
        (thirds[(starts[word & 0xffff]! << 8) | ((word >>> 16) & 0xff)]! |
          thirds[(starts[(word >>> 8) & 0xffff]! << 8) | (word >>> 24)]! |
          thirds[(starts[word >>> 16]! << 8) | (after & 0xff)]! |
          thirds[(starts[(word >>> 24) | ((after & 0xff) << 8)]! << 8) | ((after >>> 8) & 0xff)]!) ===
        0
      ) {
        continue;
      }
      const bytes = window.bytes;
      for (let i = Math.max(at - window.start, offset); i < Math.min(last, offset + 4); i += 1) {
        const group = starts[(bytes[i]! | 0x20) | ((bytes[i + 1]! | 0x20) << 8)]!;
        if (group === 0 || this.thirds[(group << 8) | (bytes[i + 2]! | 0x20)] === 0) continue;
        for (const word of this.groups[group - 1]!) if (startsWithFolded(window.source, window.start + i, word)) return window.start + i;
      }
    }
    return -1;
  }
}

/** Latin-1 bytes of a stretch of a text (or of ASCII bytes), reused from call to call and from text to text. */
export class GateWindow {
  /** The text, or its ASCII bytes. */
  source: string | Uint8Array = '';
  filled = false;
  start = 0;
  bytes = Buffer.alloc(0);
  view: DataView<ArrayBufferLike> = new DataView(this.bytes.buffer, this.bytes.byteOffset, 0);

  /** The window is for this text from now on (its memory is kept: a build scans many small files). */
  reset(source: string | Uint8Array): this {
    this.source = source;
    this.filled = false;
    this.start = 0;
    return this;
  }

  /** Copies text from `at` on: `span` units and two more (the bytes after the last position), then 0 bytes. */
  fill(at: number, span: number): void {
    const source = this.source;
    const copied = Math.min(source.length, at + span + 2) - at;
    if (this.bytes.length < copied + PADDING) {
      this.bytes = Buffer.allocUnsafe(Math.min(source.length, span + 2) + PADDING);
      this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length);
    }
    if (typeof source === 'string') this.bytes.write(source.slice(at, at + copied), 0, copied, 'latin1');
    else this.bytes.set(source.subarray(at, at + copied), 0);
    this.bytes.fill(0, copied, copied + PADDING);
    this.filled = true;
    this.start = at;
  }
}

function fold(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

function startsWithFolded(source: string | Uint8Array, at: number, word: string): boolean {
  if (at + word.length > source.length) return false;
  if (typeof source === 'string') {
    for (let j = 0; j < word.length; j += 1) if (fold(source.charCodeAt(at + j)) !== word.charCodeAt(j)) return false;
  } else {
    for (let j = 0; j < word.length; j += 1) if (fold(source[at + j]!) !== word.charCodeAt(j)) return false;
  }
  return true;
}
