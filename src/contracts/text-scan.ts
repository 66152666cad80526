import { findSecretsInText } from '../redact/text.js';
import { PointerLocator } from './pointer-locator.js';
import type { TextSecret } from './rules/document.js';
import { escapePointerPart, yaml, type Syntax } from './source.js';

/** A detector hit in a contract's text, with the pointer of the value it lies in when it was asked for. */
export interface TextFinding extends TextSecret {
  /** The deepest mapping value or sequence item whose source covers the hit ('' when none does). */
  pointer?: string;
}

/**
 * The redaction detectors over a contract's whole text (comments included), in text order. With
 * `syntax`, each hit also gets the pointer of the value it is in, so a per-field ignore can apply
 * to it: from js-yaml's parse events where they tell (pointer-locator.ts), else from the syntax
 * tree, asked for only then. The same function runs in this thread and in the loader's worker
 * (load-pool.ts).
 */
export function scanContractText(text: string, syntax: (() => Syntax) | undefined): TextFinding[] {
  const findings: TextFinding[] = [];
  let locator: PointerLocator | undefined | null = null;
  for (const secret of findSecretsInText(text)) {
    const finding: TextFinding = { rule: secret.rule, line: secret.line, column: secret.column };
    if (syntax !== undefined) {
      if (locator === null) locator = PointerLocator.of(text);
      finding.pointer = locator?.pointerAt(secret.line, secret.column) ?? pointerAt(syntax(), secret.line, secret.column);
    }
    findings.push(finding);
  }
  return findings;
}

/** The pointer of the deepest mapping value or sequence item whose source covers a line and column ('' when none does). */
export function pointerAt({ document, lineCounter }: Syntax, line: number, column: number): string {
  const { isMap, isScalar, isSeq } = yaml();
  // lineCounter.lineStarts holds the offset of each line; the position is column - 1 past its start.
  const lineStart = lineCounter.lineStarts[line - 1];
  const offset = lineStart === undefined ? -1 : lineStart + column - 1;
  let node: unknown = document.contents;
  let pointer = '';
  for (let depth = 0; depth < 256; depth += 1) {
    if (isMap(node)) {
      const pair = node.items.find((item) => covers(item.key, offset) || covers(item.value, offset));
      if (pair === undefined || !isScalar(pair.key)) break;
      pointer += `/${escapePointerPart(String(pair.key.value))}`;
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => covers(item, offset));
      if (index === -1) break;
      pointer += `/${index}`;
      node = node.items[index];
    } else break;
  }
  return pointer;
}

function covers(node: unknown, offset: number): boolean {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range !== undefined && range !== null && offset >= range[0] && offset < range[2];
}
