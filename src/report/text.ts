import { verdictLabel, type Check, type Report } from '../core/result.js';
import { visible } from './escape.js';
import { plural } from '../core/plural.js';

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
  const counts = [`${s.fail} failed`, plural(s.warn, 'warning', 'warnings'), `${s.pass} passed`];
  if (s.skip > 0) counts.push(`${s.skip} skipped`);
  lines.push(`packet ${visible(report.command)} ${visible(report.subject)}: ${verdictLabel(report.verdict)} (${counts.join(', ')})`);
  const documents = report.command === 'validate' ? report.facts?.documents : undefined;
  if (documents !== undefined && documents !== null && typeof documents === 'object') {
    const perKind = Object.entries(documents as Record<string, number>).map(([kind, count]) => `${visible(kind)} ${count}`);
    lines.push(`  documents checked: ${perKind.join(', ') || 'none'}${report.facts?.config === undefined ? '' : ` (config: ${visible(String(report.facts.config))})`}`);
  }
  for (const check of report.checks) {
    if (check.status === 'pass' && options.showPassed !== true) continue;
    lines.push(...renderCheck(check));
  }
  return lines.join('\n') + '\n';
}

export function renderCheck(check: Check): string[] {
  const where = formatLocation(check);
  // Every field may carry text from a packet, key, token or policy: escaped, so that nothing
  // can move the cursor, erase a FAIL line or start a line that looks like a check.
  const head = `  ${LABEL[check.status]} ${where}${visible(check.id)} [${visible(check.code)}] ${visible(check.message)}`;
  const lines = [head];
  if (check.cause !== undefined && check.status !== 'pass') lines.push(`       cause: ${visible(String(check.cause))}`);
  if (check.hint !== undefined && check.status !== 'pass') lines.push(`       hint: ${visible(check.hint)}`);
  for (const related of check.status === 'pass' ? [] : (check.related ?? [])) lines.push(`       related: ${formatLocation({ ...check, location: related })}`.replace(/: $/, ''));
  return lines;
}

export function formatLocation(check: Check): string {
  const loc = check.location;
  if (loc === undefined) return check.subject !== undefined ? `${visible(check.subject)}: ` : '';
  let where = visible(loc.file);
  if (loc.line !== undefined) {
    where += `:${loc.line}`;
    if (loc.column !== undefined) where += `:${loc.column}`;
  }
  return `${where}: `;
}
