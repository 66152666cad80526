import type { Report } from '../core/result.js';
import { auditorView, displayText, peopleById, plural, type AuditorOptions, type AuditorView } from './auditor-view.js';

/**
 * The auditor's one-page summary in Markdown (GitHub-flavoured tables). Every value from the
 * report is escaped: packet names, file names and messages may come from a hostile packet.
 */
export function renderMarkdown(report: Report, options: AuditorOptions = {}): string {
  const view = auditorView(report, options);
  const out: string[] = [];
  out.push(`# Evidence packet verification: ${view.verdictText}`, '');
  out.push(verdictLine(view), '');
  out.push(...packetSection(view));
  out.push(...signatureSection(view));
  out.push(...dualControlSection(view));
  out.push(...redactionSection(view));
  out.push(...checkSection(view));
  out.push('---', '');
  out.push(`Evaluated at ${md(view.evaluatedAt)} by evidence-packet ${md(view.toolVersion)} (${md(view.command)}; report format evidence-packet/report/v1).`);
  return `${out.join('\n')}\n`;
}

function verdictLine(view: AuditorView): string {
  const name = view.packet?.name !== undefined ? `packet ${md(view.packet.name)}` : `packet ${md(view.subject)}`;
  const digest = view.digest !== undefined ? `, digest ${code(`sha256:${view.digest}`)}` : ', digest unknown (the manifest could not be read)';
  const s = view.summary;
  return `**${view.verdictText}**: ${name}${digest}. ${s.fail} failed, ${plural(s.warn, 'warning', 'warnings')}, ${s.pass} passed${s.skip > 0 ? `, ${s.skip} skipped` : ''}.`;
}

function packetSection(view: AuditorView): string[] {
  const p = view.packet ?? {};
  const rows: [string, string][] = [['Checked', md(view.subject)]];
  if (p.name !== undefined) rows.push(['Name', md(p.name)]);
  if (view.digest !== undefined) rows.push(['Digest', code(`sha256:${view.digest}`)]);
  if (p.created !== undefined) rows.push(['Created', md(p.created)]);
  if (p.operation !== undefined) rows.push(['Operation', md(p.operation)]);
  if (p.tenant !== undefined) rows.push(['Tenant', md(p.tenant)]);
  if (p.environment !== undefined) rows.push(['Environment', md(p.environment)]);
  if (p.files !== undefined) rows.push(['Evidence', `${plural(p.files.count, 'file', 'files')}, ${p.files.bytes} bytes`]);
  if (p.builtBy !== undefined) rows.push(['Built by', md(p.builtBy)]);
  return ['## Packet', '', '| Field | Value |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`), ''];
}

function signatureSection(view: AuditorView): string[] {
  const out = ['## Signatures', ''];
  if (view.signers === undefined) {
    const count = view.signatureFiles.length;
    out.push(count === 0 ? 'The packet carries no signatures.' : `${plural(count, 'signature was', 'signatures were')} not checked (see the checks below).`, '');
    return out;
  }
  if (view.signers.length === 0) return [...out, 'The packet carries no signatures.', ''];
  out.push('| Person | Roles | Key | Signed (time) | Counted |', '|---|---|---|---|---|');
  for (const s of view.signers) {
    const person = s.person === undefined ? 'not in the policy' : `${md(s.person.name)} (${md(s.person.id)})`;
    const roles = s.person === undefined ? '' : md(s.person.roles.join(', '));
    const time = s.time === undefined ? 'unknown' : s.time.trusted ? `${md(s.time.value)} (trusted time-stamp)` : `${md(s.time.value)} (claimed by the signer; no time-stamp)`;
    const counted = s.counted ? 'yes' : `no (${reasonCode(s.code ?? 'NOT_COUNTED')})`;
    out.push(`| ${person} | ${roles} | ${fingerprint(s.fingerprint)} | ${time} | ${counted} |`);
  }
  out.push('');
  return out;
}

function dualControlSection(view: AuditorView): string[] {
  const d = view.dualControl;
  if (d === undefined) return [];
  const names = peopleById(view);
  const out = ['## Dual control', ''];
  out.push(`- People: ${d.distinctPeople} of ${d.requiredSignatures} required distinct people signed: ${d.satisfied ? '**met**' : '**not met**'}`);
  if (d.requiredRoles.length > 0) {
    const covered = d.roleAssignment.map(([role, id]) => `${md(role)} by ${md(names.get(id) ?? id)} (${md(id)})`);
    out.push(`- Roles required: ${md(d.requiredRoles.join(', '))}; covered: ${covered.length > 0 ? covered.join(', ') : 'none'}`);
  }
  if (!d.satisfied) {
    const missing: string[] = [];
    if (d.missingPeople > 0) missing.push(plural(d.missingPeople, 'more person', 'more people'));
    if (d.missingRoles.length > 0) missing.push(`role ${md(d.missingRoles.join(', '))}`);
    out.push(`- Missing: ${missing.length > 0 ? missing.join('; ') : 'see the checks below'}`);
  }
  out.push('');
  return out;
}

function redactionSection(view: AuditorView): string[] {
  const r = view.redaction;
  if (r === undefined) return [];
  const out = ['## Redaction', ''];
  out.push(`${plural(r.total, 'value was', 'values were')} redacted with the ${md(r.rules)} rules. Only the rule and count are recorded, never the value.`, '');
  if (r.byRule.length > 0) {
    out.push('| Rule | Redacted | Files |', '|---|---|---|');
    for (const row of r.byRule) out.push(`| ${md(row.rule)} | ${row.count} | ${row.files} |`);
    if (r.byRuleOmitted > 0) out.push(`| ${plural(r.byRuleOmitted, 'more rule', 'more rules')} not shown | | |`);
    out.push('');
    out.push('| File | Rule | Redacted |', '|---|---|---|');
    for (const row of r.byFile) out.push(`| ${md(row.file)} | ${md(row.rule)} | ${row.count} |`);
    if (r.byFileOmitted > 0) out.push(`| ${plural(r.byFileOmitted, 'more row', 'more rows')} not shown | | |`);
    out.push('');
  }
  if (r.notScanned.length > 0) {
    out.push(`Binary files included unchanged, not scanned for secrets: ${r.notScanned.map(md).join(', ')}${r.notScannedOmitted > 0 ? ` and ${r.notScannedOmitted} more` : ''}.`, '');
  } else {
    out.push('Every evidence file was scanned (no binary files).', '');
  }
  if (r.notCanonicalized.length > 0) {
    out.push(`JSON kept as text (not canonicalized): ${r.notCanonicalized.map((e) => `${md(e.file)} (${md(e.reason)})`).join(', ')}.`, '');
  }
  return out;
}

function checkSection(view: AuditorView): string[] {
  const out = ['## Checks', '', '| Status | Check | Code | Subject | Message |', '|---|---|---|---|---|'];
  for (const c of view.checks) {
    const status = c.status === 'pass' ? 'ok' : md(String(c.status).toUpperCase());
    const message = [c.message, c.cause === undefined || c.status === 'pass' ? '' : ` Cause: ${c.cause}`, c.hint === undefined || c.status === 'pass' ? '' : ` Hint: ${c.hint}`].join('');
    const subject = c.location !== undefined ? `${c.location.file}${c.location.line === undefined ? '' : `:${c.location.line}`}` : (c.subject ?? '');
    out.push(`| ${status} | ${md(c.id)} | ${reasonCode(c.code)} | ${md(subject)} | ${md(message)} |`);
  }
  if (view.checksOmitted > 0) out.push(`| | | | | ${plural(view.checksOmitted, 'more check', 'more checks')} not shown; run with --format json for all |`);
  out.push('');
  return out;
}

/**
 * Escape text for a Markdown table cell or paragraph: one line, and every character that could
 * start markup (CommonMark backslash escapes), including `|` (GFM cell separator) and `<` (raw
 * HTML), so a hostile value stays literal text.
 */
export function escapeMarkdown(value: string): string {
  return displayText(value)
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[\\`*_[\]<>|&~]/g, (ch) => `\\${ch}`);
}

const md = escapeMarkdown;

function code(value: string): string {
  return `\`${value}\``;
}

/** Reason codes are UPPER_SNAKE; shown as code when they are, escaped text otherwise. */
function reasonCode(value: string): string {
  return /^[A-Z0-9_]{1,64}$/.test(value) ? code(value) : md(value);
}

/** Fingerprints go in code spans only when they are plain hex; anything else is escaped text. */
function fingerprint(value: string): string {
  return /^[0-9A-Fa-f]{40,64}$/.test(value) ? code(value) : md(value);
}
