import { visible } from './escape.js';
import { verdictLabel, type Check, type Report, type ReportSummary } from '../core/result.js';
import { toolVersion } from '../core/version.js';

/**
 * The auditor's one-page summary as plain data, shared by the Markdown and HTML renderers.
 * `report.facts` is typed `unknown` and partly comes from packet.json, which is hostile input:
 * every field is read through a guard, so a malformed fact drops out instead of crashing.
 */
export interface AuditorView {
  verdict: 'PASS' | 'FAIL' | 'INCOMPLETE' | 'INTACT';
  /** The verdict as it reads to a person: INTACT carries what was not checked. */
  verdictText: string;
  command: string;
  subject: string;
  /** SHA-256 of manifest.sha256, 64 lower-case hex; absent when the manifest could not be read. */
  digest?: string;
  packet?: PacketView;
  /** Absent when signatures were not checked (no policy, or the packet is not intact). */
  signers?: SignerView[];
  /** Signature files present in the packet (checked or not). */
  signatureFiles: string[];
  dualControl?: DualControlView;
  redaction?: RedactionView;
  checks: Check[];
  /** Checks left out of the listing to keep the report bounded. */
  checksOmitted: number;
  summary: ReportSummary;
  evaluatedAt: string;
  toolVersion: string;
}

export interface PacketView {
  name?: string;
  created?: string;
  operation?: string;
  tenant?: string;
  environment?: string;
  files?: { count: number; bytes: number };
  builtBy?: string;
}

export interface SignerView {
  file: string;
  fingerprint: string;
  counted: boolean;
  person?: { id: string; name: string; roles: string[] };
  /** The time to believe: the TSA's genTime when time-stamped, else the signer's claim. */
  time?: { value: string; trusted: boolean };
  code?: string;
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

export interface AuditorOptions {
  /** Tool version printed in the footer (default: this tool's version). */
  toolVersion?: string;
  /** Most checks listed (default 200); the rest are counted, never silently dropped. */
  maxChecks?: number;
  /** Most rows in each redaction or file list (default 50). */
  maxRows?: number;
}

const HEX64 = /^[0-9a-f]{64}$/;

const VIEW_VERDICT: Partial<Record<string, AuditorView['verdict']>> = { pass: 'PASS', fail: 'FAIL', incomplete: 'INCOMPLETE', intact: 'INTACT' };

export function auditorView(report: Report, options: AuditorOptions = {}): AuditorView {
  const facts = isRecord(report.facts) ? report.facts : {};
  const maxChecks = options.maxChecks ?? 200;
  const maxRows = options.maxRows ?? 50;
  const checks = orderChecks(report.checks);
  const view: AuditorView = {
    verdict: VIEW_VERDICT[report.verdict] ?? 'FAIL',
    verdictText: verdictLabel(VIEW_VERDICT[report.verdict] === undefined ? 'fail' : report.verdict),
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
  if (Array.isArray(facts.signers)) view.signers = facts.signers.flatMap((s) => signerView(s));
  const dual = dualControlView(facts.dualControl);
  if (dual !== undefined) view.dualControl = dual;
  return view;
}

/** Problems first (fail, warn), then the rest in their original order: the reader sees what matters. */
function orderChecks(checks: readonly Check[]): Check[] {
  const rank: Record<Check['status'], number> = { fail: 0, warn: 1, skip: 2, info: 3, pass: 4 };
  return checks
    .map((check, index) => ({ check, index }))
    .sort((a, b) => rank[a.check.status] - rank[b.check.status] || a.index - b.index)
    .map((entry) => entry.check);
}

function packetView(packet: Record<string, unknown>): PacketView {
  const view: PacketView = {};
  for (const key of ['name', 'created', 'operation', 'tenant', 'environment'] as const) {
    const value = packet[key];
    if (typeof value === 'string') view[key] = value;
  }
  const files = packet.files;
  if (isRecord(files) && isCount(files.count) && isCount(files.bytes)) view.files = { count: files.count, bytes: files.bytes };
  const tool = packet.tool;
  if (isRecord(tool) && typeof tool.name === 'string' && typeof tool.version === 'string') view.builtBy = `${tool.name} ${tool.version}`;
  return view;
}

function signerView(value: unknown): SignerView[] {
  if (!isRecord(value) || typeof value.file !== 'string' || typeof value.fingerprint !== 'string') return [];
  const view: SignerView = { file: value.file, fingerprint: value.fingerprint, counted: value.counted === true };
  const signer = value.signer;
  if (isRecord(signer) && typeof signer.id === 'string' && typeof signer.name === 'string') {
    view.person = { id: signer.id, name: signer.name, roles: stringList(signer.roles) };
  }
  if (typeof value.trustedTime === 'string') view.time = { value: value.trustedTime, trusted: true };
  else if (typeof value.created === 'string') view.time = { value: value.created, trusted: false };
  if (typeof value.code === 'string') view.code = value.code;
  return [view];
}

function dualControlView(value: unknown): DualControlView | undefined {
  if (!isRecord(value)) return undefined;
  const { distinctPeople, requiredSignatures, missingPeople } = value;
  if (!isCount(distinctPeople) || !isCount(requiredSignatures)) return undefined;
  const assignment = isRecord(value.roleAssignment) ? value.roleAssignment : {};
  return {
    satisfied: value.satisfied === true,
    distinctPeople,
    requiredSignatures,
    missingPeople: isCount(missingPeople) ? missingPeople : Math.max(0, requiredSignatures - distinctPeople),
    requiredRoles: stringList(value.requiredRoles),
    roleAssignment: Object.entries(assignment).flatMap(([role, who]) => (typeof who === 'string' ? [[role, who] as [string, string]] : [])),
    missingRoles: stringList(value.missingRoles),
  };
}

function redactionView(value: unknown, maxRows: number): RedactionView | undefined {
  if (!isRecord(value)) return undefined;
  const records = Array.isArray(value.files) ? value.files : [];
  const byFile: { file: string; rule: string; count: number }[] = [];
  const rules = new Map<string, { count: number; files: Set<string> }>();
  for (const record of records) {
    if (!isRecord(record) || typeof record.file !== 'string' || typeof record.rule !== 'string' || !isCount(record.count)) continue;
    byFile.push({ file: record.file, rule: record.rule, count: record.count });
    const entry = rules.get(record.rule) ?? { count: 0, files: new Set<string>() };
    entry.count += record.count;
    entry.files.add(record.file);
    rules.set(record.rule, entry);
  }
  const byRule = [...rules.entries()]
    .map(([rule, entry]) => ({ rule, count: entry.count, files: entry.files.size }))
    .sort((a, b) => b.count - a.count || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
  const notScanned = stringList(value.notScanned);
  const notCanonicalized = (Array.isArray(value.notCanonicalized) ? value.notCanonicalized : []).flatMap((entry) =>
    isRecord(entry) && typeof entry.file === 'string' && typeof entry.reason === 'string' ? [{ file: entry.file, reason: entry.reason }] : [],
  );
  const counted = byFile.reduce((sum, row) => sum + row.count, 0);
  return {
    rules: typeof value.rules === 'string' ? value.rules : 'unknown',
    total: isCount(value.total) ? value.total : counted,
    byRule: byRule.slice(0, maxRows),
    byRuleOmitted: Math.max(0, byRule.length - maxRows),
    byFile: byFile.slice(0, maxRows),
    byFileOmitted: Math.max(0, byFile.length - maxRows),
    notScanned: notScanned.slice(0, maxRows),
    notScannedOmitted: Math.max(0, notScanned.length - maxRows),
    notCanonicalized: notCanonicalized.slice(0, maxRows),
  };
}

/** The people who signed, by id, for naming who covers a role. */
export function peopleById(view: AuditorView): Map<string, string> {
  const people = new Map<string, string>();
  for (const signer of view.signers ?? []) if (signer.person !== undefined) people.set(signer.person.id, signer.person.name);
  return people;
}

export { plural } from '../core/plural.js';

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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
