import picomatch from 'picomatch';
import { pass, type Check } from '../core/result.js';
import { escapePointerPart, locatePointer, yaml } from './source.js';
import type { GenericRuleConfig, ValidateConfig } from './config/types.js';
import type { KindDocument } from './declared/select.js';
import { placeholderRule, inlineSecretRule, type DocumentRule } from './rules/document.js';

/**
 * The generic checks every document gets (placeholders, inline secrets), tuned by the config:
 * switched off, downgraded to warnings, or told to ignore a kind, a field (pointer glob) or a path.
 */
export function genericChecks(config: ValidateConfig, docs: readonly KindDocument[]): Check[] {
  return [run(placeholderRule, config.generic.placeholder, docs), run(inlineSecretRule, config.generic.inlineSecret, docs)].flat();
}

function run(rule: DocumentRule, settings: GenericRuleConfig, docs: readonly KindDocument[]): Check[] {
  if (!settings.enabled) return [];
  const ignores = settings.ignore.map((entry) => ({
    kind: entry.kind,
    field: entry.field === undefined ? undefined : picomatch(entry.field, { dot: true }),
    path: entry.path === undefined ? undefined : picomatch(entry.path, { dot: true }),
  }));
  const checks: Check[] = [];
  for (const doc of docs) {
    for (const finding of rule.check(doc.source)) {
      // A finding of the text scan has a line, not a pointer: find the value at that line, so a field can be ignored.
      const line = finding.pointer === '' && typeof finding.data?.line === 'number' ? finding.data.line : undefined;
      const column = typeof finding.data?.column === 'number' ? finding.data.column : 1;
      const pointer = line !== undefined ? pointerAt(doc, line, column) : finding.key === undefined ? finding.pointer : `${finding.pointer}/${finding.key}`;
      const ignored = ignores.some(
        (entry) =>
          (entry.kind === undefined || entry.kind === doc.kind) &&
          (entry.path === undefined || entry.path(doc.rel)) &&
          (entry.field === undefined || (pointer !== '' && entry.field(pointer))),
      );
      if (ignored) continue;
      const location =
        line !== undefined
          ? { file: doc.source.file, line, column }
          : locatePointer(doc.source, finding.pointer, finding.key);
      checks.push({
        id: rule.id,
        status: settings.severity === 'warning' ? 'warn' : 'fail',
        code: finding.code ?? rule.code,
        message: finding.message,
        location,
        ...(finding.hint === undefined ? {} : { hint: finding.hint }),
        ...(finding.data === undefined ? {} : { data: finding.data }),
      });
    }
  }
  return checks.length === 0 ? [pass(rule.id, 'no problem found')] : checks;
}

/** The pointer of the deepest mapping value or sequence item whose source covers a line and column ('' when none does). */
function pointerAt(doc: KindDocument, line: number, column: number): string {
  const { document, lineCounter } = doc.source.syntax();
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
