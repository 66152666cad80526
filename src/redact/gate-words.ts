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
 * ASCII bytes not yet decoded (a file as read) have a search of their own, occursInAscii: it only
 * tells whether a word occurs, and reads the bytes where they are.
 */

/** UTF-16 units copied per window; the pair and word reads go past it into the padding. */
const SPAN = 32 * 1024;
const PADDING = 9;
const FOLD = 0x20202020;
/**
 * The folded pair tables of occursInAscii, for the GateWords that used them last: module
 * constants, so that the optimizing compiler knows them and their length (no bounds checks, no
 * loads through the instance), which makes the loop about three times cheaper. Each instance
 * keeps its own copy and puts it here when another one was used last.
 */
const GATE_FIRST = new Uint8Array(1 << 16);
const GATE_SECOND = new Uint8Array(1 << 16);
let gateTablesOf: GateWords | undefined;

export class GateWords {
  /** For each folded pair (first | second << 8): 1 + the number of the group of words that start so, or 0. */
  private readonly starts = new Uint16Array(1 << 16);
  /** For group g and a folded third byte c, `thirds[g << 8 | c]` is 1 when a word of the group can go on with c. */
  private readonly thirds: Uint8Array;
  private readonly groups: string[][] = [];
  /** Its folded pair tables for occursInAscii, made when first needed. */
  private ascii: { first: Uint8Array; second: Uint8Array } | undefined;

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
    const text = window.text;
    for (let at = from; at < text.length; ) {
      if (!window.filled || at < window.start || at >= window.start + this.span) window.fill(at, this.span);
      const end = Math.min(text.length, window.start + this.span);
      const found = this.search(text, window, at, end);
      if (found !== -1) return found;
      at = end;
    }
    return -1;
  }

  /**
   * Whether a word occurs in these ASCII bytes, in any letter case. A position is looked at only
   * when its folded pair starts a word (GATE_FIRST) and the folded pair after it goes on with
   * one (GATE_SECOND: a word's second and third letters, or its second and any byte); then the
   * words starting with its pair are compared with the bytes, folded.
   */
  occursInAscii(bytes: Uint8Array): boolean {
    this.claimAsciiTables();
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    let at = 0;
    for (; at <= bytes.length - 8; at += 4) {
      at = nextGateCandidate(view, at, bytes.length - 8);
      if (at === -1) break;
      for (let i = at; i < at + 4; i += 1) if (this.wordAt(bytes, i)) return true;
    }
    // The last bytes (and all of fewer than eight), one position at a time.
    for (at = at === -1 ? Math.max(0, (bytes.length - 4) & ~3) : at; at < bytes.length; at += 1) if (this.wordAt(bytes, at)) return true;
    return false;
  }

  /** Puts this instance's folded pair tables into GATE_FIRST and GATE_SECOND, made when first needed. */
  private claimAsciiTables(): void {
    if (gateTablesOf === this) return;
    if (this.ascii === undefined) {
      const first = new Uint8Array(1 << 16);
      const second = new Uint8Array(1 << 16);
      for (const word of this.groups.flat()) {
        const c = (i: number): number => word.charCodeAt(i) | 0x20;
        first[c(0) | (c(1) << 8)] = 1;
        if (word.length >= 3) second[c(1) | (c(2) << 8)] = 1;
        // A two-letter word goes on with anything (the end of the bytes reads as a 0 byte, folded).
        else for (let b = 0; b < 256; b += 1) second[c(1) | (b << 8)] = 1;
      }
      this.ascii = { first, second };
    }
    GATE_FIRST.set(this.ascii.first);
    GATE_SECOND.set(this.ascii.second);
    gateTablesOf = this;
  }

  /** Whether a word starts at `at` in the bytes (letter case folded). */
  private wordAt(bytes: Uint8Array, at: number): boolean {
    const group = this.starts[(bytes[at]! | 0x20) | (((at + 1 < bytes.length ? bytes[at + 1]! : 0) | 0x20) << 8)]!;
    if (group === 0) return false;
    for (const word of this.groups[group - 1]!) if (bytesStartWithFolded(bytes, at, word)) return true;
    return false;
  }

  /** Positions [at, end) of the window's text. */
  private search(text: string, window: GateWindow, at: number, end: number): number {
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
        for (const word of this.groups[group - 1]!) if (startsWithFolded(text, window.start + i, word)) return window.start + i;
      }
    }
    return -1;
  }
}

/** Latin-1 bytes of a stretch of a text, reused from call to call and from text to text. */
export class GateWindow {
  text = '';
  filled = false;
  start = 0;
  bytes = Buffer.alloc(0);
  view: DataView<ArrayBufferLike> = new DataView(this.bytes.buffer, this.bytes.byteOffset, 0);

  /** The window is for this text from now on (its memory is kept: a build scans many small files). */
  reset(text: string): this {
    this.text = text;
    this.filled = false;
    this.start = 0;
    return this;
  }

  /** Copies text from `at` on: `span` units and two more (the bytes after the last position), then 0 bytes. */
  fill(at: number, span: number): void {
    const text = this.text;
    const copied = Math.min(text.length, at + span + 2) - at;
    if (this.bytes.length < copied + PADDING) {
      this.bytes = Buffer.allocUnsafe(Math.min(text.length, span + 2) + PADDING);
      this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length);
    }
    this.bytes.write(text.slice(at, at + copied), 0, copied, 'latin1');
    this.bytes.fill(0, copied, copied + PADDING);
    this.filled = true;
    this.start = at;
  }
}

function fold(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

function startsWithFolded(text: string, at: number, word: string): boolean {
  if (at + word.length > text.length) return false;
  for (let j = 0; j < word.length; j += 1) if (fold(text.charCodeAt(at + j)) !== word.charCodeAt(j)) return false;
  return true;
}

function bytesStartWithFolded(bytes: Uint8Array, at: number, word: string): boolean {
  if (at + word.length > bytes.length) return false;
  for (let j = 0; j < word.length; j += 1) if (fold(bytes[at + j]!) !== word.charCodeAt(j)) return false;
  return true;
}

/**
 * The first 32-bit word at or after `at` (a multiple of 4, with a whole word after it) in which a
 * position passes GATE_FIRST and GATE_SECOND, or -1 when none does up to `last`. Apart from
 * the checks that follow, so that the loop stays small for the compiler.
 */
function nextGateCandidate(view: DataView, at: number, last: number): number {
  let word = (view.getUint32(at, true) | FOLD) >>> 0;
  for (; at <= last; at += 4) {
    const next = (view.getUint32(at + 4, true) | FOLD) >>> 0;
    const p1 = (word >>> 8) & 0xffff;
    const p2 = word >>> 16;
    const p3 = (word >>> 24) | ((next & 0xff) << 8);
    if (((GATE_FIRST[word & 0xffff]! & GATE_SECOND[p1]!) | (GATE_FIRST[p1]! & GATE_SECOND[p2]!) | (GATE_FIRST[p2]! & GATE_SECOND[p3]!) | (GATE_FIRST[p3]! & GATE_SECOND[next & 0xffff]!)) !== 0) return at;
    word = next;
  }
  return -1;
}
