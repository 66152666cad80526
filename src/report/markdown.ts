import type { Report } from '../core/result.js';
import { parseUnsealedPath, UNSEALED } from '../packet/format.js';
import { auditorView, checkSubject, displayText, groupedFingerprint, peopleById, plural, type AuditorOptions, type AuditorView, type SignerView } from './auditor-view.js';
import { claimNote, keyValidityText, policyRequirement, REDACTION_CAVEAT, trustedTimeText } from './auditor-text.js';

/**
 * The auditor's working paper in Markdown (GitHub-flavoured tables). Every value from the
 * report is escaped: packet names, file names and messages may come from a hostile packet. A
 * long evidence list goes to an appendix at the end.
 */
export function renderMarkdown(report: Report, options: AuditorOptions = {}): string {
  const view = auditorView(report, options);
  const out: string[] = [];
  out.push(`# Evidence packet verification: ${view.verdictText}`, '');
  out.push(verdictLine(view), '');
  out.push(`Why: ${md(view.verdictReason)}`, '');
  out.push(...packetSection(view));
  out.push(...policySection(view));
  out.push(...signatureSection(view));
  out.push(...dualControlSection(view));
  out.push(...redactionSection(view));
  out.push(...evidenceSection(view));
  out.push(...checkSection(view));
  out.push(...evidenceAppendix(view));
  out.push('---', '');
  const digest = view.digest === undefined ? 'packet digest unknown' : `Packet digest ${code(`sha256:${view.digest}`)}`;
  out.push(`${digest}. Evaluated at ${md(view.evaluatedAt)} by evidence-packet ${md(view.toolVersion)} (${md(view.command)}; report format evidence-packet/report/v1).`);
  return `${out.join('\n')}\n`;
}

function verdictLine(view: AuditorView): string {
  const name = view.packet?.name !== undefined ? `packet ${md(view.packet.name)}` : `packet ${md(view.subject)}`;
  const digest = view.digest !== undefined ? `, digest ${code(`sha256:${view.digest}`)}` : ', digest unknown (the manifest could not be read)';
  const s = view.summary;
  return `**${view.verdictText}**: ${name}${digest}. ${s.fail} failed, ${plural(s.warn, 'warning', 'warnings')}, ${s.pass} passed${s.skip > 0 ? `, ${s.skip} skipped` : ''}.`;
}

function table(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`), ''];
}

function packetSection(view: AuditorView): string[] {
  const p = view.packet ?? {};
  const claimed = (value: string): string => `${md(value)} (claim)`;
  const rows: [string, string][] = [['Checked', md(view.subject)]];
  if (p.name !== undefined) rows.push(['Name', claimed(p.name)]);
  if (view.digest !== undefined) rows.push(['Digest', `${code(`sha256:${view.digest}`)} (SHA-256 of manifest.sha256)`]);
  if (p.created !== undefined) rows.push(['Created', `${md(p.created)} (the builder's own claim)`]);
  if (p.operation !== undefined) rows.push(['Operation', claimed(p.operation)]);
  if (p.tenant !== undefined) rows.push(['Tenant', claimed(p.tenant)]);
  if (p.environment !== undefined) rows.push(['Environment', claimed(p.environment)]);
  if (p.files !== undefined) rows.push(['Evidence', `${plural(p.files.count, 'file', 'files')}, ${plural(p.files.bytes, 'byte', 'bytes')}`]);
  if (p.builtBy !== undefined) rows.push(['Built by', claimed(p.builtBy)]);
  const out = ['## Packet', '', ...table(['Field', 'Value'], rows)];
  if (view.packet !== undefined) out.push(`> ${claimNote}`, '');
  return out;
}

function policySection(view: AuditorView): string[] {
  const out = ['## Trust policy', ''];
  const policy = view.policy;
  if (policy === undefined) {
    out.push(view.verdict === 'INTACT' ? 'None: integrity only. Signatures, time-stamps and dual control were not checked.' : 'No trust policy was applied.', '');
    return out;
  }
  const signers = policy.signers.map((s) => `${md(s.name)} (${md(s.id)}; ${md(s.roles.join(', '))}): ${s.fingerprints.map(fingerprint).join(', ')}`);
  out.push(
    ...table(
      ['Field', 'Value'],
      [
        ['Path', md(policy.path)],
        ['SHA-256', policy.sha256 === undefined ? 'unknown' : code(policy.sha256)],
        ['Requires', md(policyRequirement(policy))],
        ['Pinned signers', signers.length > 0 ? signers.join('; ') : 'none'],
      ],
    ),
  );
  const roots = policy.tsa.flatMap((tsa) => tsa.roots.map((root) => [md(tsa.name), md(root.subject ?? 'unreadable certificate'), root.sha256 === undefined ? 'unknown' : code(root.sha256), md(root.source)]));
  if (roots.length > 0) out.push('Trusted TSA roots (certificate SHA-256 over its DER):', '', ...table(['TSA', 'Root subject', 'SHA-256', 'File'], roots));
  else out.push('The policy trusts no TSA root.', '');
  return out;
}

function signatureSection(view: AuditorView): string[] {
  const out = ['## Signatures', ''];
  if (view.signers === undefined) {
    const count = view.signatureFiles.length;
    out.push(count === 0 ? 'The packet carries no signatures.' : `${plural(count, 'signature was', 'signatures were')} not checked (see the checks below).`, '');
    return out;
  }
  if (view.signers.length === 0) return [...out, 'The packet carries no signatures.', ''];
  for (const s of view.signers) out.push(...signerBlock(s));
  return out;
}

function signerBlock(s: SignerView): string[] {
  const who = s.person === undefined ? `key ${fingerprint(s.fingerprint)} (not in the policy)` : `${md(s.person.name)} (${md(s.person.id)}), ${md(s.person.roles.join(', ')) || 'no role'}`;
  const rows: [string, string][] = [['Primary key', `${fingerprint(s.fingerprint)}${s.person === undefined ? '' : ' (pinned by the policy)'}`]];
  if (s.signingKey !== undefined) {
    const which = s.signingKey === s.fingerprint ? 'the primary key' : 'subkey';
    rows.push(['Signing key', `${fingerprint(s.signingKey)} (${which})${s.algorithm === undefined ? '' : `, ${md(s.algorithm)}`}${s.hash === undefined ? '' : `, hash ${md(s.hash)}`}`]);
  }
  if (s.userId !== undefined) rows.push(['User id', `${md(s.userId)} (the key holder's claim)`]);
  rows.push(['Trusted time', md(trustedTimeText(s))]);
  rows.push(['Claimed time', s.created === undefined ? 'unknown' : `${md(s.created)} (the signer's clock; not proof)`]);
  if (s.keyValidity !== undefined) rows.push(['Key validity', md(keyValidityText(s))]);
  const why = s.message === undefined ? '' : `: ${md(s.message)}`;
  rows.push(['Counted', s.counted ? `**yes**${why}` : `**no** (${reasonCode(s.code ?? 'NOT_COUNTED')})${why}`]);
  return [`### ${who}: ${s.counted ? 'counted' : 'not counted'}`, '', ...table(['Field', 'Value'], rows)];
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
  out.push(`> ${REDACTION_CAVEAT}`, '');
  if (r.byRule.length > 0) {
    const byRule = r.byRule.map((row) => [md(row.rule), String(row.count), String(row.files)]);
    if (r.byRuleOmitted > 0) byRule.push([`${plural(r.byRuleOmitted, 'more rule', 'more rules')} not shown`, '', '']);
    out.push(...table(['Rule', 'Redacted', 'Files'], byRule));
    const byFile = r.byFile.map((row) => [md(row.file), md(row.rule), String(row.count)]);
    if (r.byFileOmitted > 0) byFile.push([`${plural(r.byFileOmitted, 'more row', 'more rows')} not shown`, '', '']);
    out.push(...table(['File', 'Rule', 'Redacted'], byFile));
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

function evidenceSection(view: AuditorView): string[] {
  const e = view.evidence;
  if (e === undefined) return [];
  const out = ['## Evidence', '', `${plural(e.count, 'file', 'files')}, ${plural(e.bytes, 'byte', 'bytes')}; each matched the SHA-256 that manifest.sha256 lists, unless a check below says otherwise.`, ''];
  if (e.collapsed) out.push('The list is in Appendix A at the end.', '');
  else out.push(...evidenceTable(view));
  return out;
}

function evidenceAppendix(view: AuditorView): string[] {
  if (view.evidence?.collapsed !== true) return [];
  return ['## Appendix A: evidence files', '', ...evidenceTable(view)];
}

function evidenceTable(view: AuditorView): string[] {
  const e = view.evidence;
  if (e === undefined) return [];
  const rows = e.files.map((f) => [md(f.path), String(f.size), code(f.sha256)]);
  if (e.omitted > 0) rows.push([`${plural(e.omitted, 'more file', 'more files')} not shown: manifest.sha256 lists every one`, '', '']);
  return table(['Path', 'Bytes', 'SHA-256'], rows);
}

function checkSection(view: AuditorView): string[] {
  const rows = view.checks.map((c) => {
    const status = c.status === 'pass' ? 'ok' : md(String(c.status).toUpperCase());
    const message = [c.message, c.cause === undefined || c.status === 'pass' ? '' : ` Cause: ${c.cause}`, c.hint === undefined || c.status === 'pass' ? '' : ` Hint: ${c.hint}`].join('');
    const subject = checkSubject(c);
    const unsealed = parseUnsealedPath(subject);
    const shown = unsealed === undefined ? md(subject) : `${unsealed.dir}/${code(`${groupedFingerprint(unsealed.fingerprint) ?? ''}${UNSEALED[unsealed.dir]}`)}`;
    return [status, md(c.id), reasonCode(c.code), shown, md(message)];
  });
  if (view.checksOmitted > 0) rows.push(['', '', '', '', `${plural(view.checksOmitted, 'more check', 'more checks')} not shown; run with --format json for all`]);
  return ['## Checks', '', ...table(['Status', 'Check', 'Code', 'Subject', 'Message'], rows)];
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

/** Fingerprints in groups of four joined by no-break spaces, in a code span; anything not hex is escaped text. */
function fingerprint(value: string): string {
  const grouped = groupedFingerprint(value);
  return grouped === undefined ? md(value) : code(grouped);
}
