/**
 * The line engine behind redactText, the streaming redactor and the scans. Text goes in as
 * arbitrary pieces; the engine works on whole lines, so its output depends only on the text,
 * never on where the pieces were cut: that is what makes streaming byte-identical to redactText.
 *
 * Fast path: a line is examined only if the prefilter (triggers.ts: rule keywords, rule
 * triggers, YAML structure) matches it; other text is copied through unchanged. Stateful,
 * multi-line handling:
 * - PEM private key blocks: from `-----BEGIN ... PRIVATE KEY-----` to the matching END line
 *   everything becomes one marker (body lines and their newlines are dropped, so nothing of the
 *   key is kept; without an END line the rest of the input is dropped: fail safe).
 * - YAML block scalars under a secret-named key (`password: |`): every deeper line is replaced.
 * - Kubernetes Secrets: in a YAML document (between `---` lines) with `kind: Secret`, every value
 *   under `data:`/`stringData:` is replaced. As `kind` may come after `data` (kubectl sorts
 *   keys), lines from a `data:` line on are held until `kind: Secret` or the document ends; a
 *   held document larger than {@link MAX_HELD_CHARS} is treated as a Secret (fail safe).
 * - A line longer than {@link MAX_LINE_CHARS} is processed in segments cut at the last blank
 *   before the bound (or at the bound if there is none), so memory stays bounded. A secret that
 *   straddles such a cut may be missed; the final scan is the backstop.
 */
import { isSecretKeyName } from './keys.js';
import { findLineSpans, marker, type Span } from './line.js';
import { isAllowed } from './ruleset.js';
import { triggerCursor, type EngineMode } from './triggers.js';
import { MAX_RECORDED_LOCATIONS, type RedactionRecord, type RuleSet, type SecretFinding } from './types.js';

export const MAX_LINE_CHARS = 1 << 20;
export const MAX_HELD_CHARS = 1 << 20;
const CUT_SEARCH = 4096;

export type { EngineMode } from './triggers.js';

const PEM_BEGIN = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/;
const PEM_END = /-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/;
const DOC_BOUNDARY = /^(?:---|\.\.\.)(?:[ \t]|$)/;
const KIND_SECRET = /^[ \t]*(?:- )?kind[ \t]*:[ \t]*(["']?)Secret\1[ \t]*(?:#.*)?$/;
const DATA_OPENER = /^([ \t]*)(- )?(?:data|stringData)[ \t]*:[ \t]*(\{.*|#.*)?$/;
const SECRET_BLOCK_SCALAR = /^([ \t]*)(- )?(["']?)([A-Za-z0-9_.-]+)\3[ \t]*:[ \t]*[|>][-+0-9]*[ \t]*(?:#.*)?$/;
const ONLY_MARKERS = /^(?:\[REDACTED:[a-z0-9.-]+\][ \t]*)+$/;
const ENTRY = /^([ \t]*)(- )?([^\s:#][^:]*?)[ \t]*:(?:[ \t]+|$)(.*)$/;

interface Block {
  /** Lines indented deeper than this belong to the block. */
  indent: number;
  rule: string;
  /** Kubernetes data: each `key: value` entry counts; block scalars count once at the opener. */
  entries: boolean;
  /** Indent of the first entry; deeper lines are block scalar content. */
  entryIndent?: number;
}

/** A line without its newline, or a segment of an over-long line. */
interface Piece {
  text: string;
  terminated: boolean;
  /** A later segment of an over-long line: not at a line start, so no structural (YAML) meaning. */
  continuation: boolean;
  lineNo: number;
  offset: number;
}

export class LineEngine {
  private pending = '';
  /** Absolute UTF-16 offset and line number of the start of `pending`. */
  private offset = 0;
  private lineNo = 1;
  private inPem = false;
  private block: Block | undefined;
  private secretDoc = false;
  private held: Piece[] | undefined;
  private atLineStart = true;
  /** The previous segment of the current over-long line was swallowed by a block. */
  private segmentInBlock = false;
  private heldChars = 0;
  private replaying = false;
  private readonly recordMap = new Map<string, RedactionRecord>();
  private readonly found: SecretFinding[] = [];

  constructor(
    private readonly rules: RuleSet,
    private readonly mode: EngineMode,
    private readonly path?: string,
  ) {}

  /** Feed more text; returns the output for every line completed so far. */
  push(text: string): string {
    this.pending += text;
    return this.drain(false);
  }

  /** End of input: the last (unterminated) line, and any held document. */
  end(): string {
    let out = this.drain(true);
    if (this.held !== undefined) out += this.release();
    return out;
  }

  records(): RedactionRecord[] {
    return [...this.recordMap.values()].sort((a, b) => (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
  }

  findings(): SecretFinding[] {
    return this.found;
  }

  private drain(final: boolean): string {
    const out: string[] = [];
    const text = this.pending;
    let pos = 0;
    const triggers = triggerCursor(this.rules, this.mode, text);
    try {
      while (pos < text.length) {
        if (this.isNeutral()) {
          const hit = triggers.next(pos);
          const lineStart = hit === -1 ? -1 : text.lastIndexOf('\n', hit - 1) + 1;
          const copyEnd = hit === -1 ? (final ? text.length : text.lastIndexOf('\n') + 1) : Math.max(pos, lineStart);
          if (copyEnd > pos) {
            if (this.mode === 'redact') out.push(text.slice(pos, copyEnd));
            this.lineNo += countNewlines(text, pos, copyEnd);
            this.offset += copyEnd - pos;
            this.atLineStart = copyEnd === 0 || text.charCodeAt(copyEnd - 1) === 0x0a || this.atLineStart && copyEnd === pos;
            pos = copyEnd;
          }
          // Nothing to examine, unless an over-long partial line must be cut now.
          if (hit === -1 && (final || text.length - pos <= MAX_LINE_CHARS)) break;
        }
        const newline = text.indexOf('\n', pos);
        let lineEnd: number;
        let terminated = false;
        if (newline !== -1 && newline - pos <= MAX_LINE_CHARS) {
          lineEnd = newline;
          terminated = true;
        } else if (text.length - pos > MAX_LINE_CHARS) {
          lineEnd = cutPoint(text, pos);
        } else if (final) {
          lineEnd = text.length;
        } else break;
        out.push(this.line({ text: text.slice(pos, lineEnd), terminated, continuation: !this.atLineStart, lineNo: this.lineNo, offset: this.offset }));
        const consumed = lineEnd - pos + (terminated ? 1 : 0);
        this.offset += consumed;
        if (terminated) this.lineNo += 1;
        this.atLineStart = terminated;
        pos += consumed;
      }
    } finally {
      triggers.release();
    }
    this.pending = text.slice(pos);
    return out.join('');
  }

  private isNeutral(): boolean {
    return !this.inPem && this.block === undefined && this.held === undefined;
  }

  /** One line (without its newline) or one segment of an over-long line. */
  private line(piece: Piece): string {
    const { text, lineNo, offset } = piece;
    const nl = piece.terminated ? '\n' : '';
    if (this.held !== undefined && !this.replaying) return this.hold(piece);
    if (this.inPem) {
      const end = PEM_END.exec(text);
      if (end === null) return '';
      this.inPem = false;
      const cut = end.index + end[0].length;
      return this.patterns(text.slice(cut), lineNo, offset + cut) + nl;
    }
    if (piece.continuation) {
      if (this.block !== undefined && this.segmentInBlock) return nl;
      return this.afterStructure(piece, nl);
    }
    this.segmentInBlock = false;
    if (this.block !== undefined) {
      const inside = this.blockLine(text, lineNo, offset, this.block);
      if (inside !== undefined) {
        this.segmentInBlock = true;
        return inside + nl;
      }
      this.block = undefined;
    }
    if (DOC_BOUNDARY.test(text)) this.secretDoc = false;
    if (KIND_SECRET.test(text)) this.secretDoc = true;
    const opener = DATA_OPENER.exec(text);
    if (opener !== null) {
      if (!this.secretDoc) {
        if (!this.replaying) return this.hold(piece);
        return this.patterns(text, lineNo, offset) + nl;
      }
      const keyIndent = (opener[1] as string).length + (opener[2] === undefined ? 0 : 2);
      const rest = opener[3];
      if (rest !== undefined && rest.startsWith('{')) {
        if (/^\{\s*\}$/.test(rest.trim())) return this.keep(text) + nl;
        const start = text.length - rest.length;
        return this.replace(text, [{ start, end: text.length, rule: 'k8s-secret-data' }], lineNo, offset) + nl;
      }
      this.block = { indent: keyIndent, rule: 'k8s-secret-data', entries: true };
      return this.keep(text) + nl;
    }
    const scalar = SECRET_BLOCK_SCALAR.exec(text);
    if (scalar !== null && isSecretKeyName(scalar[4] as string) && !isAllowed(this.rules, 'secret-key-value', '', this.path)) {
      const keyIndent = (scalar[1] as string).length + (scalar[2] === undefined ? 0 : 2);
      this.block = { indent: keyIndent, rule: 'secret-key-value', entries: false };
      this.countOpener('secret-key-value', lineNo);
      return this.keep(text) + nl;
    }
    return this.afterStructure(piece, nl);
  }

  /** PEM block starts and the pattern rules. */
  private afterStructure(piece: Piece, nl: string): string {
    const { text, lineNo, offset } = piece;
    const begin = PEM_BEGIN.exec(text);
    if (begin !== null && !PEM_END.test(text.slice(begin.index)) && !isAllowed(this.rules, 'pem-private-key', begin[0], this.path)) {
      this.inPem = true;
      const before = this.patterns(text.slice(0, begin.index), lineNo, offset);
      this.note('pem-private-key', lineNo, offset + begin.index, offset + text.length);
      return before + (this.mode === 'redact' ? marker('pem-private-key') : '');
    }
    return this.patterns(text, lineNo, offset) + nl;
  }

  private keep(text: string): string {
    return this.mode === 'redact' ? text : '';
  }

  /** A line inside a block: its redacted form, or undefined when the block has ended. */
  private blockLine(text: string, lineNo: number, offset: number, block: Block): string | undefined {
    const body = text.trimStart();
    const indent = text.length - body.length;
    if (body.trim().length === 0) return this.keep(text);
    if (indent <= block.indent) return undefined;
    if (ONLY_MARKERS.test(body)) return this.keep(text);
    block.entryIndent ??= indent;
    if (block.entries && indent <= block.entryIndent) {
      const entry = ENTRY.exec(text);
      if (entry !== null) {
        const value = (entry[4] as string).trimEnd();
        if (value.length === 0 || ONLY_MARKERS.test(value)) return this.keep(text);
        if (/^[|>][-+0-9]*[ \t]*(?:#.*)?$/.test(value)) {
          this.countOpener(block.rule, lineNo);
          return this.keep(text);
        }
        const start = text.length - (entry[4] as string).length;
        return this.replace(text, [{ start, end: start + value.length, rule: block.rule }], lineNo, offset);
      }
    }
    // Content of a block scalar: replaced whole, counted once with its key.
    if (this.mode !== 'redact') {
      this.found.push({ rule: block.rule, line: lineNo, column: 0, start: offset + indent, end: offset + text.length });
      return '';
    }
    return text.slice(0, indent) + marker(block.rule);
  }

  /** Apply the pattern rules to a piece of a line. */
  private patterns(text: string, lineNo: number, offset: number): string {
    if (text.length === 0) return '';
    const spans = findLineSpans(text, this.rules, this.path, this.mode === 'scan');
    if (spans.length === 0) return this.mode === 'redact' ? text : '';
    return this.replace(text, spans, lineNo, offset);
  }

  private replace(text: string, spans: Span[], lineNo: number, offset: number): string {
    let out = '';
    let last = 0;
    for (const span of spans) {
      this.note(span.rule, lineNo, offset + span.start, offset + span.end);
      if (this.mode === 'redact') out += text.slice(last, span.start) + marker(span.rule);
      last = span.end;
    }
    return this.mode === 'redact' ? out + text.slice(last) : '';
  }

  /** A block scalar counts once, at its key; scans report its content lines instead. */
  private countOpener(rule: string, lineNo: number): void {
    if (this.mode === 'redact') this.note(rule, lineNo, 0, 0);
  }

  private note(rule: string, lineNo: number, start: number, end: number): void {
    if (this.mode !== 'redact') {
      this.found.push({ rule, line: lineNo, column: 0, start, end });
      return;
    }
    let record = this.recordMap.get(rule);
    if (record === undefined) {
      record = { rule, count: 0, lines: [] };
      this.recordMap.set(rule, record);
    }
    record.count += 1;
    const lines = record.lines as number[];
    if (lines[lines.length - 1] !== lineNo && lines.length < MAX_RECORDED_LOCATIONS) lines.push(lineNo);
  }

  private hold(line: Piece): string {
    this.held ??= [];
    if (this.held.length > 0 && !line.continuation && DOC_BOUNDARY.test(line.text)) {
      const out = this.release();
      return out + this.line(line);
    }
    this.held.push(line);
    this.heldChars += line.text.length + 1;
    if ((!line.continuation && KIND_SECRET.test(line.text)) || this.heldChars > MAX_HELD_CHARS) {
      this.secretDoc = true;
      return this.release();
    }
    return '';
  }

  /** Process the held lines now that the document's kind is known (or the document ended). */
  private release(): string {
    const lines = this.held ?? [];
    this.held = undefined;
    this.heldChars = 0;
    this.replaying = true;
    try {
      return lines.map((piece) => this.line(piece)).join('');
    } finally {
      this.replaying = false;
    }
  }
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) n += 1;
  return n;
}

/** Where to cut an over-long line: after the last blank in the final stretch before the bound. */
function cutPoint(text: string, from: number): number {
  const bound = from + MAX_LINE_CHARS;
  for (let i = bound - 1; i >= bound - CUT_SEARCH; i -= 1) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09) return i + 1;
  }
  const c = text.charCodeAt(bound - 1);
  return c >= 0xd800 && c <= 0xdbff ? bound - 1 : bound;
}
