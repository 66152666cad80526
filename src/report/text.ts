import type { Check, Report } from '../core/result.js';

export interface TextOptions {
  /** Also list checks that passed (verify does; validate lists only problems). */
  showPassed?: boolean;
}

const LABEL: Record<Check['status'], string> = {
  pass: 'ok  ',
  fail: 'FAIL',
  warn: 'warn',
  skip: 'skip',
  info: 'info',
};

export function renderText(report: Report, options: TextOptions = {}): string {
  const lines: string[] = [];
  const s = report.summary;
  const counts = [`${s.fail} failed`, `${s.warn} warnings`, `${s.pass} passed`];
  if (s.skip > 0) counts.push(`${s.skip} skipped`);
  lines.push(`packet ${report.command} ${report.subject}: ${report.verdict.toUpperCase()} (${counts.join(', ')})`);
  const documents = report.command === 'validate' ? report.facts?.documents : undefined;
  if (documents !== undefined && documents !== null && typeof documents === 'object') {
    const perKind = Object.entries(documents as Record<string, number>).map(([kind, count]) => `${kind} ${count}`);
    lines.push(`  documents checked: ${perKind.join(', ') || 'none'}${report.facts?.config === undefined ? '' : ` (config: ${String(report.facts.config)})`}`);
  }
  for (const check of report.checks) {
    if (check.status === 'pass' && options.showPassed !== true) continue;
    lines.push(...renderCheck(check));
  }
  return lines.join('\n') + '\n';
}

export function renderCheck(check: Check): string[] {
  const where = formatLocation(check);
  const head = `  ${LABEL[check.status]} ${where}${check.id} [${check.code}] ${check.message}`;
  const lines = [head];
  if (check.cause !== undefined && check.status !== 'pass') lines.push(`       cause: ${check.cause}`);
  if (check.hint !== undefined && check.status !== 'pass') lines.push(`       hint: ${check.hint}`);
  for (const related of check.status === 'pass' ? [] : (check.related ?? [])) lines.push(`       related: ${formatLocation({ ...check, location: related })}`.replace(/: $/, ''));
  return lines;
}

export function formatLocation(check: Check): string {
  const loc = check.location;
  if (loc === undefined) return check.subject !== undefined ? `${check.subject}: ` : '';
  let where = loc.file;
  if (loc.line !== undefined) {
    where += `:${loc.line}`;
    if (loc.column !== undefined) where += `:${loc.column}`;
  }
  return `${where}: `;
}
