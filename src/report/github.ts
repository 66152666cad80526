import { visible } from './escape.js';
import { verdictLabel, type Check, type Report } from '../core/result.js';
import { plural } from '../core/plural.js';

/**
 * GitHub Actions workflow commands (`::error file=...,line=...,col=...,title=...::message`), one
 * per failing or warning check, so problems show as annotations on the pull request. Passing
 * checks are not printed; a last plain line gives the verdict.
 */
export function renderGithub(report: Report): string {
  const lines: string[] = [];
  for (const check of report.checks) {
    const command = COMMAND[check.status];
    if (command === undefined) continue;
    lines.push(`::${command} ${properties(check)}::${escapeData(messageOf(check))}`);
  }
  const s = report.summary;
  lines.push(`packet ${report.command}: ${verdictLabel(report.verdict)} (${s.fail} failed, ${plural(s.warn, 'warning', 'warnings')}, ${s.pass} passed)`);
  return lines.join('\n') + '\n';
}

const COMMAND: Partial<Record<Check['status'], string>> = { fail: 'error', warn: 'warning', info: 'notice' };

function properties(check: Check): string {
  const props: [string, string | number | undefined][] = [
    ['file', check.location?.file],
    ['line', check.location?.line],
    ['endLine', check.location?.endLine],
    ['col', check.location?.column],
    ['endColumn', check.location?.line === check.location?.endLine ? check.location?.endColumn : undefined],
    ['title', `${check.id} [${check.code}]`],
  ];
  return props
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([name, value]) => `${name}=${escapeProperty(String(value))}`)
    .join(',');
}

function messageOf(check: Check): string {
  const parts = [check.message];
  if (check.hint !== undefined) parts.push(`hint: ${check.hint}`);
  return parts.join('\n');
}

/** Escaping of a workflow command's message (the toolkit's escapeData). */
export function escapeData(text: string): string {
  // Control characters first (GitHub's log viewer renders ANSI colours), then the command syntax.
  return visible(text, { keepLineBreaks: true }).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escaping of a workflow command's property value (the toolkit's escapeProperty). */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
