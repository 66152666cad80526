import type { Check, Report } from '../core/result.js';
import { auditorView, displayText, peopleById, plural, type AuditorOptions, type AuditorView } from './auditor-view.js';

/**
 * The auditor's one-page summary as one self-contained HTML file: inline CSS with a print
 * stylesheet, no scripts, no external URLs (a Content-Security-Policy forbids both, so even a
 * value that escaped escaping could not load or run anything). Every value is HTML-escaped.
 */
export function renderHtml(report: Report, options: AuditorOptions = {}): string {
  const view = auditorView(report, options);
  const title = `${view.verdictText}: ${view.packet?.name ?? view.subject}`;
  const body = [
    verdictBlock(view),
    packetSection(view),
    signatureSection(view),
    dualControlSection(view),
    redactionSection(view),
    checkSection(view),
    `<footer>Evaluated at <time>${h(view.evaluatedAt)}</time> by evidence-packet ${h(view.toolVersion)} (${h(view.command)}; report format evidence-packet/report/v1).</footer>`,
  ].join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Evidence packet verification ${h(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

const STYLE = `
body { font: 10.5pt/1.35 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #111; max-width: 60rem; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 1.5em; margin: 0 0 .2em; }
h2 { font-size: 1.1em; margin: 1.1em 0 .35em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; width: 100%; margin: .3em 0; }
th, td { text-align: left; vertical-align: top; padding: .2em .45em; border: 1px solid #ddd; overflow-wrap: break-word; }
th { background: #f3f3f3; }
code { font: .92em ui-monospace, "DejaVu Sans Mono", monospace; overflow-wrap: anywhere; }
.verdict { border: 2px solid; padding: .5em .8em; border-radius: 4px; }
.verdict.pass { border-color: #1a7f37; background: #e9f7ec; }
.verdict.fail { border-color: #b3261e; background: #fdecea; }
.verdict.incomplete { border-color: #9a6700; background: #fff8e1; }
.verdict.intact { border-color: #0b5cad; background: #eaf2fb; }
.status { font-weight: 600; white-space: nowrap; }
.status.fail { color: #b3261e; } .status.warn, .status.incomplete { color: #9a6700; } .status.pass { color: #1a7f37; } .status.intact { color: #0b5cad; }
.note { color: #444; }
footer { margin-top: 1.2em; color: #555; font-size: .9em; }
@page { size: A4; margin: 10mm; }
@media print {
  body { font-size: 7.5pt; line-height: 1.25; margin: 0; max-width: none; padding: 0; }
  h1 { font-size: 1.4em; } h2 { margin: .7em 0 .25em; }
  th, td { padding: .1em .35em; }
  ul { margin: .2em 0; }
  .verdict { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  tr, li { break-inside: avoid; }
  h2 { break-after: avoid; }
}
`;

function verdictBlock(view: AuditorView): string {
  const cls = view.verdict.toLowerCase();
  const name = view.packet?.name ?? view.subject;
  const digest = view.digest !== undefined ? `<code>sha256:${h(view.digest)}</code>` : 'unknown (the manifest could not be read)';
  const s = view.summary;
  const counts = `${s.fail} failed, ${plural(s.warn, 'warning', 'warnings')}, ${s.pass} passed${s.skip > 0 ? `, ${s.skip} skipped` : ''}`;
  return `<section class="verdict ${cls}" id="verdict">
<h1>Verdict: <span class="status ${cls}">${h(view.verdictText)}</span></h1>
<div>Packet <strong>${h(name)}</strong>, digest ${digest}</div>
<div class="note">${counts}</div>
</section>`;
}

function packetSection(view: AuditorView): string {
  const p = view.packet ?? {};
  const rows: [string, string][] = [['Checked', h(view.subject)]];
  if (p.name !== undefined) rows.push(['Name', h(p.name)]);
  if (p.created !== undefined) rows.push(['Created', h(p.created)]);
  if (p.operation !== undefined) rows.push(['Operation', h(p.operation)]);
  if (p.tenant !== undefined) rows.push(['Tenant', h(p.tenant)]);
  if (p.environment !== undefined) rows.push(['Environment', h(p.environment)]);
  if (p.files !== undefined) rows.push(['Evidence', `${plural(p.files.count, 'file', 'files')}, ${p.files.bytes} bytes`]);
  if (p.builtBy !== undefined) rows.push(['Built by', h(p.builtBy)]);
  return `<section id="packet"><h2>Packet</h2>
<table>${rows.map(([k, v]) => `<tr><th scope="row">${k}</th><td>${v}</td></tr>`).join('')}</table></section>`;
}

function signatureSection(view: AuditorView): string {
  const head = '<section id="signatures"><h2>Signatures</h2>';
  if (view.signers === undefined) {
    const count = view.signatureFiles.length;
    return `${head}<p>${count === 0 ? 'The packet carries no signatures.' : `${plural(count, 'signature was', 'signatures were')} not checked (see the checks below).`}</p></section>`;
  }
  if (view.signers.length === 0) return `${head}<p>The packet carries no signatures.</p></section>`;
  const rows = view.signers.map((s) => {
    const person = s.person === undefined ? '<em>not in the policy</em>' : `${h(s.person.name)} (${h(s.person.id)})`;
    const roles = s.person === undefined ? '' : h(s.person.roles.join(', '));
    const time = s.time === undefined ? 'unknown' : `<time>${h(s.time.value)}</time> ${s.time.trusted ? '(trusted time-stamp)' : '(claimed by the signer; no time-stamp)'}`;
    const counted = s.counted ? '<span class="status pass">yes</span>' : `<span class="status fail">no</span> (${h(s.code ?? 'NOT_COUNTED')})`;
    return `<tr><td>${person}</td><td>${roles}</td><td><code>${h(s.fingerprint)}</code></td><td>${time}</td><td>${counted}</td></tr>`;
  });
  return `${head}
<table><thead><tr><th>Person</th><th>Roles</th><th>Key</th><th>Signed (time)</th><th>Counted</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></section>`;
}

function dualControlSection(view: AuditorView): string {
  const d = view.dualControl;
  if (d === undefined) return '';
  const names = peopleById(view);
  const items = [
    `<li>People: ${d.distinctPeople} of ${d.requiredSignatures} required distinct people signed: <span class="status ${d.satisfied ? 'pass' : 'incomplete'}">${d.satisfied ? 'met' : 'not met'}</span></li>`,
  ];
  if (d.requiredRoles.length > 0) {
    const covered = d.roleAssignment.map(([role, id]) => `${h(role)} by ${h(names.get(id) ?? id)} (${h(id)})`);
    items.push(`<li>Roles required: ${h(d.requiredRoles.join(', '))}; covered: ${covered.length > 0 ? covered.join(', ') : 'none'}</li>`);
  }
  if (!d.satisfied) {
    const missing: string[] = [];
    if (d.missingPeople > 0) missing.push(plural(d.missingPeople, 'more person', 'more people'));
    if (d.missingRoles.length > 0) missing.push(`role ${h(d.missingRoles.join(', '))}`);
    items.push(`<li>Missing: ${missing.length > 0 ? missing.join('; ') : 'see the checks below'}</li>`);
  }
  return `<section id="dual-control"><h2>Dual control</h2><ul>${items.join('')}</ul></section>`;
}

function redactionSection(view: AuditorView): string {
  const r = view.redaction;
  if (r === undefined) return '';
  const parts = [`<p>${plural(r.total, 'value was', 'values were')} redacted with the ${h(r.rules)} rules. Only the rule and count are recorded, never the value.</p>`];
  if (r.byRule.length > 0) {
    parts.push(
      `<table><thead><tr><th>Rule</th><th>Redacted</th><th>Files</th></tr></thead><tbody>${r.byRule.map((row) => `<tr><td>${h(row.rule)}</td><td>${row.count}</td><td>${row.files}</td></tr>`).join('')}${r.byRuleOmitted > 0 ? `<tr><td colspan="3">${plural(r.byRuleOmitted, 'more rule', 'more rules')} not shown</td></tr>` : ''}</tbody></table>`,
    );
    const more = r.byFileOmitted > 0 ? `<tr><td colspan="3">${plural(r.byFileOmitted, 'more row', 'more rows')} not shown</td></tr>` : '';
    parts.push(
      `<table><thead><tr><th>File</th><th>Rule</th><th>Redacted</th></tr></thead><tbody>${r.byFile.map((row) => `<tr><td>${h(row.file)}</td><td>${h(row.rule)}</td><td>${row.count}</td></tr>`).join('')}${more}</tbody></table>`,
    );
  }
  parts.push(
    r.notScanned.length > 0
      ? `<p>Binary files included unchanged, not scanned for secrets: ${r.notScanned.map(h).join(', ')}${r.notScannedOmitted > 0 ? ` and ${r.notScannedOmitted} more` : ''}.</p>`
      : '<p>Every evidence file was scanned (no binary files).</p>',
  );
  if (r.notCanonicalized.length > 0) {
    parts.push(`<p>JSON kept as text (not canonicalized): ${r.notCanonicalized.map((e) => `${h(e.file)} (${h(e.reason)})`).join(', ')}.</p>`);
  }
  return `<section id="redaction"><h2>Redaction</h2>${parts.join('\n')}</section>`;
}

function checkSection(view: AuditorView): string {
  const rows = view.checks.map((c) => `<tr class="check ${h(c.status)}"><td class="status ${h(c.status)}">${c.status === 'pass' ? 'ok' : h(String(c.status).toUpperCase())}</td><td>${h(c.id)}</td><td><code>${h(c.code)}</code></td><td>${h(subjectOf(c))}</td><td>${messageOf(c)}</td></tr>`);
  const more = view.checksOmitted > 0 ? `<tr><td colspan="5">${plural(view.checksOmitted, 'more check', 'more checks')} not shown; run with --format json for all</td></tr>` : '';
  return `<section id="checks"><h2>Checks</h2>
<table><thead><tr><th>Status</th><th>Check</th><th>Code</th><th>Subject</th><th>Message</th></tr></thead>
<tbody>${rows.join('\n')}${more}</tbody></table></section>`;
}

function subjectOf(check: Check): string {
  if (check.location === undefined) return check.subject ?? '';
  return `${check.location.file}${check.location.line === undefined ? '' : `:${check.location.line}`}`;
}

function messageOf(check: Check): string {
  const parts = [h(check.message)];
  if (check.status !== 'pass' && check.cause !== undefined) parts.push(`<br><span class="note">cause: ${h(check.cause)}</span>`);
  if (check.status !== 'pass' && check.hint !== undefined) parts.push(`<br><span class="note">hint: ${h(check.hint)}</span>`);
  return parts.join('');
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return displayText(value).replace(/[&<>"']/g, (ch) => ENTITIES[ch] as string);
}

const h = escapeHtml;
