import jsyaml from 'js-yaml';
import { escapePointerPart } from './source.js';

/**
 * The pointer of the value a text position lies in, found with js-yaml's parse events instead of
 * the positioned syntax tree (text-scan.ts's pointerAt), which costs about seven times more. It
 * answers only where both parsers must agree: a position inside a scalar's own characters, in a
 * text without anchors, aliases, tags, block scalars, explicit keys, directives, tabs, a byte
 * order mark or scalars over several lines, under keys that read as the same string in YAML 1.1
 * and 1.2. Anything else gives undefined, and the caller asks the syntax tree.
 * test/contracts/pointer-locator.test.ts compares the two at every position of a corpus of texts.
 */
export class PointerLocator {
  private constructor(
    private readonly root: Frame,
    private readonly lineStarts: number[],
  ) {}

  /** A locator for `text`, or undefined when the text is outside what it answers for. */
  static of(text: string): PointerLocator | undefined {
    if (OUTSIDE.some((pattern) => pattern.test(text)) || text.charCodeAt(0) === 0xfeff) return undefined;
    const root = framesOf(text);
    if (root === undefined) return undefined;
    const lineStarts = [0];
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lineStarts.push(at + 1);
    return new PointerLocator(root, lineStarts);
  }

  /** The pointer at a 1-based line and column (as pointerAt counts them), or undefined when this locator cannot tell. */
  pointerAt(line: number, column: number): string | undefined {
    const lineStart = this.lineStarts[line - 1];
    if (lineStart === undefined) return undefined;
    const offset = lineStart + column - 1;
    let frame = this.root;
    let pointer = '';
    for (;;) {
      if (frame.kind === 'scalar') return inside(frame, offset) ? pointer : undefined;
      const index = frame.children.findIndex((child) => child.start <= offset && offset < child.end);
      if (index === -1) return undefined;
      if (frame.kind === 'sequence') {
        pointer += `/${index}`;
        frame = frame.children[index]!;
        continue;
      }
      const key = frame.children[index - (index % 2)]!;
      if (key.kind !== 'scalar' || key.key === undefined) return undefined;
      pointer += `/${escapePointerPart(key.key)}`;
      if (index % 2 === 0) return inside(key, offset) ? pointer : undefined;
      frame = frame.children[index]!;
    }
  }
}

/**
 * What may start something the locator does not handle, conservatively (a quoted `a > b` is
 * declined too): anchors and aliases, tags, block scalars, explicit keys, directives, tabs.
 */
const OUTSIDE = [/(?:^|[\s[\]{},])[&*!]/m, /(?:^|\s)[|>]/m, /(?:^|[\s[{,])\?(?:\s|$)/m, /^%/m, /\t/];
/** A plain key that reads as this same string in YAML 1.1 and 1.2 (no number, boolean or null). */
const PLAIN_STRING_KEY = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
const NOT_STRING_IN_1_1 = /^(?:y|yes|n|no|true|false|on|off|null)$/i;

interface Frame {
  kind: 'scalar' | 'mapping' | 'sequence' | 'empty';
  /** Where the node's own characters start and end (a scalar's, from its first character; a collection's, from its first child). */
  start: number;
  end: number;
  children: Frame[];
  /** For a scalar: the string a key made of it reads as, when it reads the same in both parsers. */
  key?: string;
  result?: unknown;
}

/** Whether an offset lies within a scalar's own characters. */
function inside(frame: Frame, offset: number): boolean {
  return frame.kind === 'scalar' && frame.start <= offset && offset < frame.end;
}

/** The tree of nodes js-yaml composed, with their positions; undefined when js-yaml refuses the text or the shape is not a plain one. */
function framesOf(text: string): Frame | undefined {
  const stack: { open: number; children: Frame[] }[] = [];
  let root: Frame | undefined;
  let broken = false;
  try {
    jsyaml.load(text, {
      schema: jsyaml.CORE_SCHEMA,
      listener(event, state) {
        if (broken) return;
        if (event === 'open') {
          stack.push({ open: state.position, children: [] });
          return;
        }
        const opened = stack.pop()!;
        const frame = closeFrame(text, opened, state.kind, state.result, state.position);
        if (frame === undefined) broken = true;
        else if (stack.length === 0) root = frame;
        else stack[stack.length - 1]!.children.push(frame);
      },
    });
  } catch {
    return undefined;
  }
  return broken ? undefined : root;
}

function closeFrame(text: string, opened: { open: number; children: Frame[] }, kind: string | null, result: unknown, end: number): Frame | undefined {
  const { children } = opened;
  // js-yaml opens a node twice where a collection item or a document may be a mapping: the inner one is the same node.
  if (children.length === 1 && children[0]!.result === result && children[0]!.kind === kindOf(kind) && children[0]!.end === end) return children[0];
  if (kind === null) return children.length === 0 ? { kind: 'empty', start: end, end, children } : undefined;
  if (kind === 'scalar') {
    if (children.length > 0) return undefined;
    const start = skipBlank(text, opened.open, end);
    if (start === undefined) return undefined;
    // A plain scalar in a flow collection is closed after the blanks that follow it.
    const last = trimBlank(text, start, end);
    // A scalar over several lines: the parsers differ on which indentation may continue it, and js-yaml reads on where the other stops.
    if (text.lastIndexOf('\n', last - 1) >= start) return undefined;
    return { kind, start, end: last, children, result, key: keyText(text, start, result) };
  }
  if (kind === 'sequence') {
    // An empty item (`- ` alone) opens no node: the indices would shift.
    if (!Array.isArray(result) || children.length !== result.length) return undefined;
  } else if (kind === 'mapping') {
    if (result === null || typeof result !== 'object' || children.length !== 2 * Object.keys(result).length) return undefined;
  } else return undefined;
  if (children.length === 0) return { kind, start: end, end, children, result };
  return { kind, start: children[0]!.start, end, children, result };
}

function kindOf(kind: string | null): Frame['kind'] {
  return kind === null ? 'empty' : (kind as Frame['kind']);
}

/** The first character of a node opened at `from`: past spaces and line breaks, never past a comment. */
function skipBlank(text: string, from: number, end: number): number | undefined {
  let at = from;
  while (at < end) {
    const c = text.charCodeAt(at);
    if (c === 0x23) return undefined;
    if (!isBlank(c)) return at;
    at += 1;
  }
  return undefined;
}

/** The end of a scalar's characters: no scalar ends with a blank (a quoted one ends with its quote). */
function trimBlank(text: string, start: number, end: number): number {
  let at = end;
  while (at > start && isBlank(text.charCodeAt(at - 1))) at -= 1;
  return at;
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d;
}

/** What a scalar reads as when it is a key: quoted keys are strings in both YAML versions; plain ones only when they look like names. */
function keyText(text: string, start: number, result: unknown): string | undefined {
  if (typeof result !== 'string') return undefined;
  const quote = text.charCodeAt(start);
  if (quote === 0x22 || quote === 0x27) return result;
  return PLAIN_STRING_KEY.test(result) && !NOT_STRING_IN_1_1.test(result) && text.startsWith(result, start) ? result : undefined;
}
