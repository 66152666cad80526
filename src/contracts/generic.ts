import picomatch from 'picomatch';
import { pass, type Check } from '../core/result.js';
import { locatePointer } from './source.js';
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
      const pointer = finding.key === undefined ? finding.pointer : `${finding.pointer}/${finding.key}`;
      const ignored = ignores.some(
        (entry) =>
          (entry.kind === undefined || entry.kind === doc.kind) &&
          (entry.path === undefined || entry.path(doc.rel)) &&
          (entry.field === undefined || (pointer !== '' && entry.field(pointer))),
      );
      if (ignored) continue;
      const location =
        finding.pointer === '' && typeof finding.data?.line === 'number'
          ? { file: doc.source.file, line: finding.data.line, column: finding.data.column as number }
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
