/**
 * A multi-literal scanner for the engine's prefilter: finds the first position at which one of
 * many literals (each optionally confirmed by a sticky regex) occurs, in one pass over the text.
 *
 * Why not a regex alternation: V8 tries the alternatives of `a|b|c` at every position whose
 * character can start one of them, and the keyword forms start with most letters, so three such
 * passes cost about 1.5 ns per character each. Here the text is copied a window at a time into
 * a Latin-1 byte buffer (a memory copy for V8's one-byte strings) and each position costs one
 * table lookup on the pair of bytes it starts with, four positions per 32-bit word read; only a
 * pair that begins some literal is compared against the text itself. Under 1 ns per character
 * in all. See docs/redaction.md, Performance.
 *
 * Latin-1 keeps one byte per UTF-16 unit, so byte and string positions are the same; a
 * character above U+00FF keeps only its low byte, which can only make a pair look like a
 * candidate that the exact comparison against the string then rejects.
 *
 * ASCII bytes not yet decoded (a file as read) have a search of their own, occursInAscii: it only
 * tells whether some literal occurs, and reads the bytes where they are.
 */

/** One literal to look for. */
export interface Anchor {
  literal: string;
  /** 0, or 1 for the line after a terminator: the position reported is that of the literal plus this. */
  shift: number;
  /** Must match (sticky) at the reported position, else the literal is no hit. */
  check?: RegExp;
}

/** UTF-16 units encoded per window: large enough that windows are rare, small enough to stay in cache. */
const WINDOW = 64 * 1024;
const EMPTY = Buffer.alloc(0);
const EMPTY_VIEW: DataView<ArrayBufferLike> = new DataView(EMPTY.buffer, EMPTY.byteOffset, 0);
/**
 * The window memory of a released cursor, for the next one: a build scans many small texts, and
 * allocating a buffer for each cost more than scanning it. A cursor in use owns its memory (the
 * engine can redact a nested text while a cursor is open), so at most one buffer waits here.
 */
let spare: { bytes: Buffer; view: DataView<ArrayBufferLike> } | undefined;
/** Bytes after the text in a window: the word reads go up to eight bytes past a position. */
const PADDING = 8;
/**
 * The tables of occursInAscii, for the scanner that used them last: ROW gives each pair of bytes
 * that starts a literal a row number (0: none), and GOES_ON[row << 8 | c] is 1 when a literal
 * starting with such a pair can go on with the byte c (any byte, for literals of one or two
 * characters). Module constants, so that the optimizing compiler knows them and their length (no
 * bounds checks, no loads through the scanner), which makes the loop about three times cheaper
 * than with tables it reads from the scanner. Each scanner keeps its own copy and puts it here
 * when another one was used last.
 */
const ROW = new Uint8Array(1 << 16);
const GOES_ON = new Uint8Array(1 << 16);
let asciiTablesOf: AnchorScanner | undefined;

export class AnchorScanner {
  /** Bucket number + 1 for each pair of low bytes (first | second << 8, as a little-endian word holds them); 0 = no literal starts so. */
  private readonly table = new Uint16Array(1 << 16);
  private readonly buckets: Anchor[][] = [];
  /** For bucket b and a third byte c, `third[b << 8 | c]` is 1 when some literal of the bucket can go on with c. */
  private readonly third: Uint8Array;
  private readonly maxShift: number;
  /** Its tables for occursInAscii, made when first needed. */
  private ascii: { row: Uint8Array; goesOn: Uint8Array } | undefined;

  /** `window`: UTF-16 units encoded at a time (tests use small windows to cross their edges). */
  constructor(
    anchors: readonly Anchor[],
    private readonly window = WINDOW,
  ) {
    const byPair = new Map<number, Anchor[]>();
    const add = (pair: number, anchor: Anchor): void => {
      const list = byPair.get(pair);
      if (list === undefined) byPair.set(pair, [anchor]);
      else list.push(anchor);
    };
    if (window < 3) throw new Error('an anchor window holds at least three characters');
    let maxShift = 0;
    for (const anchor of anchors) {
      if (anchor.literal.length === 0) throw new Error('an anchor literal must not be empty');
      maxShift = Math.max(maxShift, anchor.shift);
      if (anchor.shift !== 0 && anchor.shift !== 1) throw new Error('an anchor shift is 0 or 1');
      const first = anchor.literal.charCodeAt(0) & 0xff;
      // A one-character literal starts every pair that starts with its byte (and the last byte, paired with 0).
      if (anchor.literal.length === 1) for (let second = 0; second < 256; second += 1) add(first | (second << 8), anchor);
      else add(first | ((anchor.literal.charCodeAt(1) & 0xff) << 8), anchor);
    }
    this.third = new Uint8Array((byPair.size + 1) << 8);
    for (const [pair, list] of byPair) {
      this.buckets.push(list);
      const bucket = this.buckets.length;
      this.table[pair] = bucket;
      for (const anchor of list) {
        // Shorter literals go on with anything (the text's end reads as a 0 byte).
        if (anchor.literal.length < 3) this.third.fill(1, bucket << 8, (bucket + 1) << 8);
        else this.third[(bucket << 8) | (anchor.literal.charCodeAt(2) & 0xff)] = 1;
      }
    }
    this.maxShift = maxShift;
  }

  /** A cursor over one text: consecutive `next` calls share the encoded window. */
  cursor(text: string): AnchorCursor {
    return new AnchorCursor(this.table, this.third, this.buckets, this.maxShift, this.window, text);
  }

  /**
   * Whether some literal occurs in these ASCII bytes (checks are not run: they need the text).
   * A position is looked at only when its first three bytes can start a literal (ROW and
   * GOES_ON); then the literals starting with its pair are compared with the bytes.
   */
  occursInAscii(bytes: Uint8Array): boolean {
    this.claimAsciiTables();
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    let at = 0;
    for (; at <= bytes.length - 8; at += 4) {
      at = nextAsciiCandidate(view, at, bytes.length - 8);
      if (at === -1) break;
      for (let i = at; i < at + 4; i += 1) if (this.literalAt(bytes, i)) return true;
    }
    // The last bytes (and all of fewer than eight), one position at a time.
    for (at = at === -1 ? Math.max(0, (bytes.length - 4) & ~3) : at; at < bytes.length; at += 1) if (this.literalAt(bytes, at)) return true;
    return false;
  }

  /**
   * Puts this scanner's tables into ROW and GOES_ON (unless they hold them already), made when
   * first needed from its own pair table and third bytes (`table`, `third`) with the buckets that
   * go on alike sharing a row, so that row numbers fit a byte; past 255 rows, the last row stands
   * for the rest and lets any of their bytes go on (more positions looked at, none missed).
   */
  private claimAsciiTables(): void {
    if (asciiTablesOf === this) return;
    if (this.ascii === undefined) {
      const row = new Uint8Array(1 << 16);
      const goesOn = new Uint8Array(1 << 16);
      const rowOfThirds = new Map<string, number>();
      const rowOfBucket = new Map<number, number>();
      for (let pair = 0; pair < 1 << 16; pair += 1) {
        const bucket = this.table[pair]!;
        if (bucket === 0) continue;
        let number = rowOfBucket.get(bucket);
        if (number === undefined) {
          const thirds = this.third.subarray(bucket << 8, (bucket + 1) << 8);
          const key = thirds.join('');
          number = rowOfThirds.get(key) ?? Math.min(rowOfThirds.size + 1, 255);
          if (number < 255) rowOfThirds.set(key, number);
          rowOfBucket.set(bucket, number);
          for (let b = 0; b < 256; b += 1) if (thirds[b] === 1) goesOn[(number << 8) | b] = 1;
        }
        row[pair] = number;
      }
      this.ascii = { row, goesOn };
    }
    ROW.set(this.ascii.row);
    GOES_ON.set(this.ascii.goesOn);
    asciiTablesOf = this;
  }

  /** Whether a literal (ASCII) starts at `at` in the bytes. */
  private literalAt(bytes: Uint8Array, at: number): boolean {
    const bucket = this.table[bytes[at]! | ((at + 1 < bytes.length ? bytes[at + 1]! : 0) << 8)]!;
    if (bucket === 0) return false;
    for (const anchor of this.buckets[bucket - 1]!) if (bytesStartWith(bytes, at, anchor.literal)) return true;
    return false;
  }
}

export class AnchorCursor {
  private bytes: Buffer = EMPTY;
  private view: DataView<ArrayBufferLike> = EMPTY_VIEW;
  /** Text offset of bytes[0], and the end of the positions whose pair is encoded. */
  private windowStart = 0;
  private windowStop = 0;

  constructor(
    private readonly table: Uint16Array,
    private readonly third: Uint8Array,
    private readonly buckets: readonly Anchor[][],
    private readonly maxShift: number,
    private readonly window: number,
    private readonly text: string,
  ) {}

  /** Done with the text: the window's memory may serve the next cursor. */
  release(): void {
    if (spare === undefined || spare.bytes.length < this.bytes.length) spare = { bytes: this.bytes, view: this.view };
    this.bytes = EMPTY;
    this.view = EMPTY_VIEW;
    this.windowStart = 0;
    this.windowStop = 0;
  }

  /** The first reported position at or after `from`, or -1. */
  next(from: number): number {
    const length = this.text.length;
    // A literal before `from` may report a position at `from` (a terminator, then the line).
    let at = Math.max(0, from - this.maxShift);
    while (at < length) {
      if (at < this.windowStart || at >= this.windowStop) this.encode(at);
      const found = this.scanWindow(at, from);
      if (found !== -1) return found;
      at = this.windowStop;
    }
    return -1;
  }

  /**
   * Positions in [at, windowStop): the first confirmed hit, or -1. Reads four bytes at a time
   * (a little-endian 32-bit word and the first byte of the next) and looks up the four pairs
   * they start; only a word with a candidate pair is looked at position by position. Several
   * times faster than a byte loop in V8, which cannot keep the previous byte in a register.
   */
  private scanWindow(at: number, from: number): number {
    const view = this.view;
    const table = this.table;
    const third = this.third;
    const base = this.windowStart;
    const start = at - base;
    const stop = this.windowStop - base;
    let offset = start & ~3;
    let word = view.getUint32(offset, true);
    for (; offset < stop; offset += 4) {
      const next = view.getUint32(offset + 4, true);
      // Pair, then third byte, for each of the four positions (row 0 of `third`, no pair, is all 0).
      if (
        (third[(table[word & 0xffff]! << 8) | ((word >>> 16) & 0xff)]! |
          third[(table[(word >>> 8) & 0xffff]! << 8) | (word >>> 24)]! |
          third[(table[word >>> 16]! << 8) | (next & 0xff)]! |
          third[(table[(word >>> 24) | ((next & 0xff) << 8)]! << 8) | ((next >>> 8) & 0xff)]!) !==
        0
      ) {
        const found = this.scanWord(Math.max(start, offset), Math.min(stop, offset + 4), from);
        if (found !== -1) return found;
      }
      word = next;
    }
    return -1;
  }

  /** Positions (relative to the window) in [lo, hi) one by one: pair, third byte, then the text itself. */
  private scanWord(lo: number, hi: number, from: number): number {
    const bytes = this.bytes;
    for (let i = lo; i < hi; i += 1) {
      const bucket = this.table[bytes[i]! | (bytes[i + 1]! << 8)]!;
      if (bucket === 0 || this.third[(bucket << 8) | bytes[i + 2]!] === 0) continue;
      const found = this.confirm(this.buckets[bucket - 1]!, this.windowStart + i, from);
      if (found !== -1) return found;
    }
    return -1;
  }

  /** The smallest reported position of the bucket's literals that really occur at `at`, or -1. */
  private confirm(anchors: readonly Anchor[], at: number, from: number): number {
    let best = -1;
    for (const anchor of anchors) {
      const reported = at + anchor.shift;
      if (reported < from || (best !== -1 && reported >= best)) continue;
      if (!this.text.startsWith(anchor.literal, at)) continue;
      if (anchor.check !== undefined) {
        anchor.check.lastIndex = reported;
        if (!anchor.check.test(this.text)) continue;
      }
      best = reported;
    }
    return best;
  }

  /**
   * Encodes text from `at` on. Positions up to `windowStop` (exclusive) can then be read with
   * the two bytes after them: the last two encoded bytes only start literals at the end of the
   * text, where 0 bytes follow. Eight 0 bytes follow the text, for the word reads.
   */
  private encode(at: number): void {
    const end = Math.min(this.text.length, at + this.window);
    const length = end - at;
    if (this.bytes.length < length + PADDING) {
      if (spare !== undefined && spare.bytes.length >= length + PADDING) {
        ({ bytes: this.bytes, view: this.view } = spare);
        spare = undefined;
      } else {
        this.bytes = Buffer.allocUnsafe(Math.max(length, Math.min(this.window, this.text.length)) + PADDING);
        this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length);
      }
    }
    this.bytes.write(this.text.slice(at, end), 0, length, 'latin1');
    this.bytes.fill(0, length, length + PADDING);
    this.windowStart = at;
    this.windowStop = end === this.text.length ? end : end - 2;
  }
}

/** The literal's characters are the bytes at `at` (a character above U+007F matches no ASCII byte). */
export function bytesStartWith(bytes: Uint8Array, at: number, literal: string): boolean {
  if (at + literal.length > bytes.length) return false;
  for (let i = 0; i < literal.length; i += 1) if (bytes[at + i] !== literal.charCodeAt(i)) return false;
  return true;
}

/**
 * The first 32-bit word at or after `at` (a multiple of 4, with a whole word after it) in which a
 * position's pair has a ROW whose GOES_ON holds the byte after the pair, or -1 when none does up
 * to `last`. Apart from the checks that follow, so that the loop stays small for the compiler.
 */
function nextAsciiCandidate(view: DataView, at: number, last: number): number {
  let word = view.getUint32(at, true);
  for (; at <= last; at += 4) {
    const next = view.getUint32(at + 4, true);
    if (
      (GOES_ON[(ROW[word & 0xffff]! << 8) | ((word >>> 16) & 0xff)]! |
        GOES_ON[(ROW[(word >>> 8) & 0xffff]! << 8) | (word >>> 24)]! |
        GOES_ON[(ROW[word >>> 16]! << 8) | (next & 0xff)]! |
        GOES_ON[(ROW[(word >>> 24) | ((next & 0xff) << 8)]! << 8) | ((next >>> 8) & 0xff)]!) !==
      0
    ) {
      return at;
    }
    word = next;
  }
  return -1;
}
