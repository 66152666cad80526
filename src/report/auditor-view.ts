import { visible } from './escape.js';
import { verdictLabel, type Check, type Report, type ReportSummary } from '../core/result.js';
import { toolVersion } from '../core/version.js';
import { plural } from '../core/plural.js';
import { dualControlView, evidenceView, isRecord, packetView, policyView, redactionView, signerView, stringList } from './auditor-facts.js';

/**
 * The auditor's working paper as plain data, shared by the Markdown and HTML renderers: the
 * verdict and why, what was verified (packet, evidence), against what (the policy, its digest
 * and TSA roots), each signature with its key, times and validity, dual control, redaction,
 * every check. Values that come from the packet are kept apart from what was verified, so the
 * renderers can label them as claims.
 */
export interface AuditorView {
  verdict: 'PASS' | 'FAIL' | 'INCOMPLETE' | 'INTACT';
  /** The verdict as it reads to a person: INTACT carries what was not checked. */
  verdictText: string;
  /** Why the verdict is what it is, in one or two sentences. */
  verdictReason: string;
  command: string;
  subject: string;
  /** SHA-256 of manifest.sha256, 64 lower-case hex; absent when the manifest could not be read. */
  digest?: string;
  packet?: PacketView;
  /** The trust policy applied; absent for integrity only. */
  policy?: PolicyView;
  /** Absent when signatures were not checked (no policy, or the packet is not intact). */
  signers?: SignerView[];
  /** Signature files present in the packet (checked or not). */
  signatureFiles: string[];
  dualControl?: DualControlView;
  redaction?: RedactionView;
  evidence?: EvidenceView;
  checks: Check[];
  /** Checks left out of the listing to keep the report bounded. */
  checksOmitted: number;
  summary: ReportSummary;
  evaluatedAt: string;
  toolVersion: string;
}

/** packet.json as the builder wrote it: every value here is the builder's claim. */
export interface PacketView {
  name?: string;
  created?: string;
  operation?: string;
  tenant?: string;
  environment?: string;
  files?: { count: number; bytes: number };
  builtBy?: string;
}

export interface PolicyView {
  path: string;
  sha256?: string;
  require: { signatures: number; roles: string[]; timestamps: boolean };
  signers: { id: string; name: string; roles: string[]; fingerprints: string[] }[];
  tsa: { name: string; roots: CertificateView[]; certificates: CertificateView[] }[];
}

export interface CertificateView {
  source: string;
  subject?: string;
  sha256?: string;
  notBefore?: string;
  notAfter?: string;
}

export interface KeyWindowView {
  created: string;
  /** null: no expiry. */
  expires: string | null;
}

export interface SignerView {
  file: string;
  fingerprint: string;
  counted: boolean;
  /** From the policy (trusted): who holds the pinned key. */
  person?: { id: string; name: string; roles: string[] };
  /** The time the signature claims (the signer's clock; not proof). */
  created?: string;
  /** The verified time-stamp's time, and the TSA behind it. */
  trustedTime?: string;
  tsa?: { name?: string; subject?: string; serial?: string };
  /** When key validity was judged: the trusted time, else the claimed time. */
  judgedAt?: string;
  signingKey?: string;
  algorithm?: string;
  hash?: string;
  keyValidity?: { primary: KeyWindowView; signingKey?: KeyWindowView };
  /** The key's own user id: the key holder's claim. */
  userId?: string;
  pendingTimestamp?: boolean;
  code?: string;
  /** Why it counts or does not. */
  message?: string;
}

export interface DualControlView {
  satisfied: boolean;
  distinctPeople: number;
  requiredSignatures: number;
  missingPeople: number;
  requiredRoles: string[];
  /** [role, person id] for each covered role. */
  roleAssignment: [string, string][];
  missingRoles: string[];
}

export interface RedactionView {
  rules: string;
  total: number;
  byRule: { rule: string; count: number; files: number }[];
  byRuleOmitted: number;
  byFile: { file: string; rule: string; count: number }[];
  byFileOmitted: number;
  notScanned: string[];
  notScannedOmitted: number;
  notCanonicalized: { file: string; reason: string }[];
}

export interface EvidenceView {
  count: number;
  bytes: number;
  files: { path: string; size: number; sha256: string }[];
  /** Files the facts did not list (manifest.sha256 lists every one). */
  omitted: number;
  /** Longer than a page allows: folded (HTML) or an appendix (Markdown). */
  collapsed: boolean;
}

export interface AuditorOptions {
  /** Tool version printed in the footer (default: this tool's version). */
  toolVersion?: string;
  /** Most checks listed (default 200); the rest are counted, never silently dropped. */
  maxChecks?: number;
  /** Most rows in each redaction list, and the longest evidence list shown inline (default 50). */
  maxRows?: number;
}

const HEX64 = /^[0-9a-f]{64}$/;

const VIEW_VERDICT: Partial<Record<string, AuditorView['verdict']>> = { pass: 'PASS', fail: 'FAIL', incomplete: 'INCOMPLETE', intact: 'INTACT' };

export function auditorView(report: Report, options: AuditorOptions = {}): AuditorView {
  const facts = isRecord(report.facts) ? report.facts : {};
  const maxChecks = options.maxChecks ?? 200;
  const maxRows = options.maxRows ?? 50;
  const checks = orderChecks(report.checks);
  const verdict = VIEW_VERDICT[report.verdict] ?? 'FAIL';
  const view: AuditorView = {
    verdict,
    verdictText: verdictLabel(VIEW_VERDICT[report.verdict] === undefined ? 'fail' : report.verdict),
    verdictReason: '',
    command: report.command,
    subject: report.subject,
    signatureFiles: stringList(facts.signatures),
    checks: checks.slice(0, maxChecks),
    checksOmitted: Math.max(0, checks.length - maxChecks),
    summary: report.summary,
    evaluatedAt: report.evaluatedAt,
    toolVersion: options.toolVersion ?? toolVersion(),
  };
  if (typeof facts.digest === 'string' && HEX64.test(facts.digest)) view.digest = facts.digest;
  if (isRecord(facts.packet)) {
    view.packet = packetView(facts.packet);
    const redaction = redactionView(facts.packet.redaction, maxRows);
    if (redaction !== undefined) view.redaction = redaction;
  }
  const policy = policyView(facts.policy);
  if (policy !== undefined) view.policy = policy;
  if (Array.isArray(facts.signers)) view.signers = facts.signers.flatMap((s) => signerView(s));
  const dual = dualControlView(facts.dualControl);
  if (dual !== undefined) view.dualControl = dual;
  const evidence = evidenceView(facts.evidence, maxRows);
  if (evidence !== undefined) view.evidence = evidence;
  view.verdictReason = verdictReason(view, checks);
  return view;
}

/** Why the verdict: what was checked and met, what failed first, or what is still missing. */
function verdictReason(view: AuditorView, checks: readonly Check[]): string {
  const d = view.dualControl;
  switch (view.verdict) {
    case 'INTACT':
      return 'Every covered file matches the manifest. Signatures, time-stamps and dual control were not checked (integrity only, no trust policy): this is not an approval.';
    case 'PASS': {
      const parts = ['every covered file matches the manifest'];
      if (d !== undefined) {
        parts.push(`${plural(d.distinctPeople, 'distinct person', 'distinct people')} signed with keys the policy pins (it requires ${d.requiredSignatures})`);
        if (d.requiredRoles.length > 0) parts.push(`the roles ${d.requiredRoles.join(', ')} are each covered by a different person`);
      }
      if (view.policy?.require.timestamps === true) parts.push('every counted signature carries a time-stamp from a TSA the policy trusts');
      return `${capitalize(parts.join('; '))}.`;
    }
    case 'INCOMPLETE': {
      const missing: string[] = [];
      if (d !== undefined && d.missingPeople > 0) missing.push(plural(d.missingPeople, 'more person', 'more people'));
      if (d !== undefined && d.missingRoles.length > 0) missing.push(`role ${d.missingRoles.join(', ')}`);
      if ((view.signers ?? []).some((s) => s.pendingTimestamp === true)) missing.push('a time-stamp the policy requires');
      return `What is there is valid, but dual control is not met yet: missing ${missing.length > 0 ? missing.join('; ') : 'see the warnings below'}.`;
    }
    default: {
      const failed = checks.filter((c) => c.status === 'fail');
      const first = failed[0];
      if (first === undefined) return 'A check failed (warnings count as failures here).';
      return `${plural(failed.length, 'check', 'checks')} failed; the first: ${first.id} ${first.code}: ${first.message}`;
    }
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Problems first (fail, warn), then the rest in their original order: the reader sees what matters. */
function orderChecks(checks: readonly Check[]): Check[] {
  const rank: Record<Check['status'], number> = { fail: 0, warn: 1, skip: 2, info: 3, pass: 4 };
  return checks
    .map((check, index) => ({ check, index }))
    .sort((a, b) => rank[a.check.status] - rank[b.check.status] || a.index - b.index)
    .map((entry) => entry.check);
}

/** The people who signed, by id, for naming who covers a role. */
export function peopleById(view: AuditorView): Map<string, string> {
  const people = new Map<string, string>();
  for (const signer of view.signers ?? []) if (signer.person !== undefined) people.set(signer.person.id, signer.person.name);
  return people;
}

/** What a check is about, as the report shows it: its source location (file:line), else its subject. */
export function checkSubject(check: Check): string {
  if (check.location === undefined) return check.subject ?? '';
  return `${check.location.file}${check.location.line === undefined ? '' : `:${check.location.line}`}`;
}

/**
 * A fingerprint in groups of four hex digits joined by no-break spaces (U+00A0), as gpg prints
 * it: easy to compare aloud, never broken across lines. Undefined when it is not plain hex, so
 * a hostile value is shown escaped, as it is.
 */
export function groupedFingerprint(value: string): string | undefined {
  if (!/^(?:[0-9A-Fa-f]{4}){8,16}$/.test(value)) return undefined;
  return (value.toUpperCase().match(/.{4}/g) as string[]).join('\u00a0');
}

export { plural };

/**
 * Text safe to show: control characters other than tab and line breaks are shown as visible
 * escapes (`\x1B`), lone surrogates too, and bidi controls (which can make a hostile file name
 * read backwards) as `<U+202E>` (see escape.ts). Long values are cut so a hostile message
 * cannot blow up the page.
 */
export function displayText(value: string, maxLength = 1000): string {
  const cut = value.length > maxLength ? `${value.slice(0, maxLength)}…` : value;
  return visible(cut, { keepLineBreaks: true });
}
