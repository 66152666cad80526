import type { Check, Report } from '../core/result.js';
import { parseUnsealedPath, UNSEALED } from '../packet/format.js';
import { auditorView, checkSubject, displayText, groupedFingerprint, peopleById, plural, type AuditorOptions, type AuditorView, type RedactionView, type SignerView } from './auditor-view.js';
import { claimNote, keyValidityText, policyRequirement, REDACTION_CAVEAT, trustedTimeText } from './auditor-text.js';
import { STYLE } from './html-style.js';

/**
 * The auditor's working paper as one self-contained HTML file: inline CSS with a print
 * stylesheet, no scripts, no external URLs (a Content-Security-Policy forbids both, so even a
 * value that escaped escaping could not load or run anything). Every value is HTML-escaped.
 */
export function renderHtml(report: Report, options: AuditorOptions = {}): string {
  const view = auditorView(report, options);
  const title = `${view.verdictText}: ${view.packet?.name ?? view.subject}`;
  const digest = view.digest === undefined ? 'Packet digest unknown' : `Packet digest <code>sha256:${h(view.digest)}</code>`;
  const body = [
    verdictBlock(view),
    packetSection(view),
    policySection(view),
    signatureSection(view),
    dualControlSection(view),
    redactionSection(view),
    evidenceSection(view),
    checkSection(view),
    `<footer>${digest}. Evaluated at <time>${h(view.evaluatedAt)}</time> by evidence-packet ${h(view.toolVersion)} (${h(view.command)}; report format evidence-packet/report/v1).</footer>`,
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

function verdictBlock(view: AuditorView): string {
  const cls = view.verdict.toLowerCase();
  const name = view.packet?.name ?? view.subject;
  const digest = view.digest !== undefined ? `<code>sha256:${h(view.digest)}</code>` : 'unknown (the manifest could not be read)';
  const s = view.summary;
  const counts = `${s.fail} failed, ${plural(s.warn, 'warning', 'warnings')}, ${s.pass} passed${s.skip > 0 ? `, ${s.skip} skipped` : ''}`;
  return `<section class="verdict ${cls}" id="verdict">
<h1>Verdict: <span class="status ${cls}">${h(view.verdictText)}</span></h1>
<p class="reason">${h(view.verdictReason)}</p>
<div>Packet <strong>${h(name)}</strong>, digest ${digest}</div>
<div class="note">${counts}</div>
</section>`;
}

function packetSection(view: AuditorView): string {
  const p = view.packet ?? {};
  const claimed = (value: string): string => `${h(value)} <span class="claim">(claim)</span>`;
  const items: [string, string, boolean?][] = [['Checked', h(view.subject), true]];
  if (p.name !== undefined) items.push(['Name', claimed(p.name)]);
  if (p.created !== undefined) items.push(['Created', `<time>${h(p.created)}</time> <span class="claim">(the builder's claim)</span>`]);
  if (p.operation !== undefined) items.push(['Operation', claimed(p.operation)]);
  if (p.tenant !== undefined) items.push(['Tenant', claimed(p.tenant)]);
  if (p.environment !== undefined) items.push(['Environment', claimed(p.environment)]);
  if (p.files !== undefined) items.push(['Evidence', `${plural(p.files.count, 'file', 'files')}, ${plural(p.files.bytes, 'byte', 'bytes')}`]);
  if (p.builtBy !== undefined) items.push(['Built by', claimed(p.builtBy)]);
  const note = view.packet === undefined ? '' : `<p class="note">${h(claimNote)}</p>`;
  const grid = items.map(([k, v, wide]) => `<dt>${k}</dt><dd${wide === true ? ' class="wide"' : ''}>${v}</dd>`).join('');
  return `<section id="packet"><h2>Packet</h2>\n<dl class="facts">${grid}</dl>${note}</section>`;
}

function policySection(view: AuditorView): string {
  const head = '<section id="policy"><h2>Trust policy</h2>';
  const policy = view.policy;
  if (policy === undefined) {
    const none = view.verdict === 'INTACT' ? 'None: integrity only. Signatures, time-stamps and dual control were not checked.' : 'No trust policy was applied.';
    return `${head}<p>${none}</p></section>`;
  }
  const signers = policy.signers.map((s) => `${h(s.name)} (${h(s.id)}; ${h(s.roles.join(', '))}): ${s.fingerprints.map(fingerprint).join(', ')}`);
  const roots = policy.tsa.flatMap((tsa) =>
    tsa.roots.map((root) => `<span class="tsa-root">${h(tsa.name)}: ${h(root.subject ?? 'unreadable certificate')}, SHA-256 ${root.sha256 === undefined ? 'unknown' : `<code>${h(root.sha256)}</code>`}</span>`),
  );
  const items: [string, string][] = [
    ['Path', h(policy.path)],
    ['SHA-256', policy.sha256 === undefined ? 'unknown' : `<code>${h(policy.sha256)}</code>`],
    ['Requires', h(policyRequirement(policy))],
    ['Pinned signers', signers.length > 0 ? signers.join('<br>') : 'none'],
    ['TSA roots', roots.length > 0 ? roots.join('<br>') : 'none: the policy trusts no TSA root'],
  ];
  return `${head}\n<dl class="facts">${items.map(([k, v]) => `<dt>${k}</dt><dd class="wide">${v}</dd>`).join('')}</dl></section>`;
}

function signatureSection(view: AuditorView): string {
  const head = '<section id="signatures"><h2>Signatures</h2>';
  if (view.signers === undefined) {
    const count = view.signatureFiles.length;
    return `${head}<p>${count === 0 ? 'The packet carries no signatures.' : `${plural(count, 'signature was', 'signatures were')} not checked (see the checks below).`}</p></section>`;
  }
  if (view.signers.length === 0) return `${head}<p>The packet carries no signatures.</p></section>`;
  return `${head}\n${view.signers.map(signerBlock).join('\n')}</section>`;
}

function signerBlock(s: SignerView): string {
  const who = s.person === undefined ? '<em>key not in the policy</em>' : `${h(s.person.name)} (${h(s.person.id)}), <span class="roles">${h(s.person.roles.join(', ') || 'no role')}</span>`;
  const status = s.counted ? '<span class="status pass">counted</span>' : `<span class="status fail">not counted</span> <code>${h(s.code ?? 'NOT_COUNTED')}</code>`;
  // A counted signature's message names the signer again ("good signature by NAME (ID; ROLES)"): the heading already does.
  const message = s.counted && s.message?.startsWith('good signature by ') === true ? 'good signature' : s.message;
  const why = message === undefined ? '' : `<span class="why">: ${h(message)}</span>`;
  const items: [string, string][] = [['Primary key', `${fingerprint(s.fingerprint)}${s.person === undefined ? '' : ' <span class="note">(pinned by the policy)</span>'}`]];
  if (s.signingKey !== undefined) {
    const which = s.signingKey === s.fingerprint ? 'the primary key' : 'subkey';
    items.push(['Signing key', `${fingerprint(s.signingKey)} (${which})${s.algorithm === undefined ? '' : `, ${h(s.algorithm)}`}${s.hash === undefined ? '' : `, ${h(s.hash)}`}`]);
  }
  if (s.userId !== undefined) items.push(['User id', `${h(s.userId)} <span class="claim">(the key holder's claim)</span>`]);
  items.push(['Trusted time', h(trustedTimeText(s))]);
  items.push(['Claimed time', s.created === undefined ? 'unknown' : `<time>${h(s.created)}</time> <span class="claim">(the signer's clock; not proof)</span>`]);
  if (s.keyValidity !== undefined) items.push(['Key validity', h(keyValidityText(s))]);
  return `<article class="signer${s.counted ? ' counted' : ''}"><h3>${who}: ${status}${why}</h3>
<dl>${items.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl></article>`;
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
  const parts = [
    `<p>${plural(r.total, 'value was', 'values were')} redacted with the ${h(r.rules)} rules. Only the rule and count are recorded, never the value.</p>`,
    `<p class="caveat">${h(REDACTION_CAVEAT)}</p>`,
  ];
  if (r.byRule.length > 0) {
    const rules = r.byRule.map((row) => `<span class="rule">${h(row.rule)}</span> ${row.count} in ${plural(row.files, 'file', 'files')}`);
    if (r.byRuleOmitted > 0) rules.push(`${plural(r.byRuleOmitted, 'more rule', 'more rules')} not shown`);
    parts.push(`<p id="redaction-by-rule">By rule: ${rules.join('; ')}.</p>`);
    const more = r.byFileOmitted > 0 ? `<tr><td colspan="2">${plural(r.byFileOmitted, 'more row', 'more rows')} not shown</td></tr>` : '';
    parts.push(
      `<table id="redaction-by-file"><thead><tr><th>File</th><th>Redacted, by rule</th></tr></thead><tbody>${byFile(r.byFile)}${more}</tbody></table>`,
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

/** One row per file (records of one file are adjacent in packet.json), its rules with their counts. */
function byFile(rows: RedactionView['byFile']): string {
  const files: { file: string; rules: string[] }[] = [];
  for (const row of rows) {
    const last = files.at(-1);
    const rule = `<span class="rule">${h(row.rule)}</span> ${row.count}`;
    if (last !== undefined && last.file === row.file) last.rules.push(rule);
    else files.push({ file: row.file, rules: [rule] });
  }
  return files.map((f) => `<tr><td>${h(f.file)}</td><td>${f.rules.join(', ')}</td></tr>`).join('');
}

function evidenceSection(view: AuditorView): string {
  const e = view.evidence;
  if (e === undefined) return '';
  const intro = `<p>${plural(e.count, 'file', 'files')}, ${plural(e.bytes, 'byte', 'bytes')}; each matched the SHA-256 that manifest.sha256 lists, unless a check below says otherwise.</p>`;
  const rows = e.files.map((f) => `<tr><td>${h(f.path)}</td><td>${f.size}</td><td><code>${f.sha256}</code></td></tr>`);
  if (e.omitted > 0) rows.push(`<tr><td colspan="3">${plural(e.omitted, 'more file', 'more files')} not shown: manifest.sha256 lists every one</td></tr>`);
  const list = `<table class="evidence-list"><thead><tr><th>Path</th><th>Bytes</th><th>SHA-256</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
  if (!e.collapsed) return `<section id="evidence"><h2>Evidence</h2>${intro}${list}</section>`;
  return `<section id="evidence"><h2>Evidence</h2>${intro}
<details id="evidence-list"><summary>List of the ${plural(e.count, 'file', 'files')} with size and SHA-256</summary>${list}</details>
<p class="print-only note">The printed copy leaves the list out: manifest.sha256, whose SHA-256 is the packet digest, lists every file with its SHA-256.</p></section>`;
}

function checkSection(view: AuditorView): string {
  const rows = view.checks.map((c) => `<tr class="check ${h(c.status)}"><td class="status ${h(c.status)}">${c.status === 'pass' ? 'ok' : h(String(c.status).toUpperCase())}</td><td>${h(c.id)}</td><td><code>${h(c.code)}</code></td><td>${subjectCell(c)}</td><td>${messageOf(c)}</td></tr>`);
  const more = view.checksOmitted > 0 ? `<tr><td colspan="5">${plural(view.checksOmitted, 'more check', 'more checks')} not shown; run with --format json for all</td></tr>` : '';
  const passed = view.checks.filter((c) => c.status === 'pass');
  const printed = passed.length === 0 ? '' : `<p class="print-only note">Passed (${passed.length}): ${countedIds(passed)}.</p>`;
  return `<section id="checks"><h2>Checks</h2>${printed}
<table class="checks${passed.length === view.checks.length && view.checksOmitted === 0 ? ' all-passed' : ''}"><thead><tr><th>Status</th><th>Check</th><th>Code</th><th>Subject</th><th>Message</th></tr></thead>
<tbody>${rows.join('\n')}${more}</tbody></table></section>`;
}

/** `timestamp ×2, signature ×2, manifest`: check ids in order of first appearance, with how often. */
function countedIds(checks: readonly Check[]): string {
  const counts = new Map<string, number>();
  for (const check of checks) counts.set(check.id, (counts.get(check.id) ?? 0) + 1);
  return [...counts].map(([id, n]) => `${h(id)}${n > 1 ? ` ×${n}` : ''}`).join(', ');
}

/** The subject; a signature, time-stamp or key file shows its fingerprint grouped and unbroken. */
function subjectCell(check: Check): string {
  const subject = checkSubject(check);
  const unsealed = parseUnsealedPath(subject);
  if (unsealed === undefined) return h(subject);
  return `${unsealed.dir}/<wbr><span class="fpr-file">${fingerprint(unsealed.fingerprint)}${UNSEALED[unsealed.dir]}</span>`;
}

function messageOf(check: Check): string {
  const parts = [h(check.message)];
  if (check.status !== 'pass' && check.cause !== undefined) parts.push(`<br><span class="note">cause: ${h(check.cause)}</span>`);
  if (check.status !== 'pass' && check.hint !== undefined) parts.push(`<br><span class="note">hint: ${h(check.hint)}</span>`);
  return parts.join('');
}

/** Grouped in fours with no-break spaces and kept on one line; anything not hex is escaped text. */
function fingerprint(value: string): string {
  const grouped = groupedFingerprint(value);
  return grouped === undefined ? `<code>${h(value)}</code>` : `<code class="fpr">${grouped.replace(/\u00a0/g, '&nbsp;')}</code>`;
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return displayText(value).replace(/[&<>"']/g, (ch) => ENTITIES[ch] as string);
}

const h = escapeHtml;
