import picomatch from 'picomatch';
import { pass, type Check, type SourceLocation } from '../core/result.js';
import { locatePointer } from './source.js';
import type { GenericRuleConfig, ValidateConfig } from './config/types.js';
import type { KindDocument } from './declared/select.js';
import type { Finding } from './rules/model.js';
import { placeholderRule, inlineSecretRule, secretKeyFindings, textSecretFinding, type DocumentRule } from './rules/document.js';
import type { TextFinding } from './text-scan.js';

/** A finding of a generic rule, with the pointer a per-field ignore is matched against. */
interface Located {
  finding: Finding;
  pointer: string;
  /** Set for a hit of the text scan: a line and column, not a pointer. */
  at?: SourceLocation;
}

/** Whether the inline secret rule needs the pointer of each text-scan hit: only a per-field ignore reads it. */
export function textScanNeedsPointers(config: ValidateConfig): boolean {
  return config.generic.inlineSecret.ignore.some((entry) => entry.field !== undefined);
}

/**
 * The generic checks every document gets (placeholders, inline secrets), tuned by the config:
 * switched off, downgraded to warnings, or told to ignore a kind, a field (pointer glob) or a path.
 * `textHits(index)` gives the text scan's hits of `docs[index]` (load-pool.ts).
 */
export function genericChecks(config: ValidateConfig, docs: readonly KindDocument[], textHits: (index: number) => readonly TextFinding[]): Check[] {
  const placeholders = (doc: KindDocument): Located[] => placeholderRule.check(doc.source).map((finding) => ({ finding, pointer: pointerOf(finding) }));
  const secrets = (doc: KindDocument, index: number): Located[] => [
    ...textHits(index).map((hit) => ({
      finding: textSecretFinding(doc.source, hit),
      // Without a per-field ignore the pointer is not computed, and nothing reads it.
      pointer: hit.pointer ?? '',
      at: { file: doc.source.file, line: hit.line, column: hit.column },
    })),
    ...secretKeyFindings(doc.source).map((finding) => ({ finding, pointer: pointerOf(finding) })),
  ];
  return [run(placeholderRule, config.generic.placeholder, docs, placeholders), run(inlineSecretRule, config.generic.inlineSecret, docs, secrets)].flat();
}

function pointerOf(finding: Finding): string {
  return finding.key === undefined ? finding.pointer : `${finding.pointer}/${finding.key}`;
}

function run(rule: DocumentRule, settings: GenericRuleConfig, docs: readonly KindDocument[], findingsOf: (doc: KindDocument, index: number) => Located[]): Check[] {
  if (!settings.enabled) return [];
  const ignores = settings.ignore.map((entry) => ({
    kind: entry.kind,
    field: entry.field === undefined ? undefined : picomatch(entry.field, { dot: true }),
    path: entry.path === undefined ? undefined : picomatch(entry.path, { dot: true }),
  }));
  const checks: Check[] = [];
  docs.forEach((doc, index) => {
    for (const { finding, pointer, at } of findingsOf(doc, index)) {
      const ignored = ignores.some(
        (entry) =>
          (entry.kind === undefined || entry.kind === doc.kind) &&
          (entry.path === undefined || entry.path(doc.rel)) &&
          (entry.field === undefined || (pointer !== '' && entry.field(pointer))),
      );
      if (ignored) continue;
      checks.push({
        id: rule.id,
        status: settings.severity === 'warning' ? 'warn' : 'fail',
        code: finding.code ?? rule.code,
        message: finding.message,
        location: at ?? locatePointer(doc.source, finding.pointer, finding.key),
        ...(finding.hint === undefined ? {} : { hint: finding.hint }),
        ...(finding.data === undefined ? {} : { data: finding.data }),
      });
    }
  });
  return checks.length === 0 ? [pass(rule.id, 'no problem found')] : checks;
}
