/**
 * The one structured result every validator and verifier returns and every renderer consumes.
 * A check has a stable id (what was checked), a status, and a reason code from a fixed list
 * (why). Tests assert ids and codes, never message text.
 */

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip' | 'info';

export interface SourceLocation {
  /** File path as the user named it (or a path inside a packet). */
  file: string;
  /** 1-based line and column, when known from the source text. */
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  /** JSON pointer into the parsed document, when the check is about a value. */
  pointer?: string;
}

export interface Check {
  /** Stable id of what was checked: a rule id (`binding.environment-enabled`), `schema`, `manifest.format`, ... */
  id: string;
  status: CheckStatus;
  /** Stable reason code, UPPER_SNAKE_CASE: `OK`, `HASH_MISMATCH`, `SCHEMA_ADDITIONAL_PROPERTY`, ... */
  code: string;
  /** One sentence a person can act on. Never contains a secret. */
  message: string;
  /** What the check is about: a packet path, a fingerprint, a contract id. */
  subject?: string;
  location?: SourceLocation;
  /** Other places the check is about (the document a reference points to, the limit that was exceeded). */
  related?: SourceLocation[];
  /** What to do next, when the cause is known. */
  hint?: string;
  /** The underlying error, kept so a failure is never reported without its cause. */
  cause?: string;
  /** Machine-readable extras (fingerprints, times, counts). */
  data?: Record<string, unknown>;
}

/**
 * `intact` is the verdict of an integrity-only verification: every entry and covered file checked,
 * signatures, time-stamps and dual control not. It is deliberately not `pass`.
 */
export type Verdict = 'pass' | 'fail' | 'incomplete' | 'intact';

const VERDICT_LABEL: Record<Verdict, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  incomplete: 'INCOMPLETE',
  intact: 'INTACT (integrity only: signatures and approvals not checked)',
};

/** How a verdict reads to a person, in every output format. */
export function verdictLabel(verdict: Verdict): string {
  return VERDICT_LABEL[verdict];
}

export interface Report {
  /** Format marker for consumers of `--format json`. */
  format: 'evidence-packet/report/v1';
  /** The command or library call that produced the report: validate, verify, status, inspect, build. */
  command: string;
  /** What was examined: a packet path, or the contract paths. */
  subject: string;
  verdict: Verdict;
  /** Evaluation time, RFC 3339 UTC. */
  evaluatedAt: string;
  checks: Check[];
  summary: ReportSummary;
  /** Command-specific facts (packet digest, signers, redaction summary, ...). */
  facts?: Record<string, unknown>;
}

export interface ReportSummary {
  pass: number;
  fail: number;
  warn: number;
  skip: number;
  info: number;
}

export function summarize(checks: readonly Check[]): ReportSummary {
  const summary: ReportSummary = { pass: 0, fail: 0, warn: 0, skip: 0, info: 0 };
  for (const check of checks) summary[check.status] += 1;
  return summary;
}

export interface MakeReportOptions {
  command: string;
  subject: string;
  evaluatedAt: string;
  checks: Check[];
  facts?: Record<string, unknown>;
  /** Treat warnings as failures (`--strict`). */
  strict?: boolean;
  /** Set when every check passed but a threshold (dual control) is not met yet. */
  incomplete?: boolean;
  /** Only integrity was checked: a verdict that would be `pass` is `intact`. */
  integrityOnly?: boolean;
}

export function makeReport(options: MakeReportOptions): Report {
  const summary = summarize(options.checks);
  const failed = summary.fail > 0 || (options.strict === true && summary.warn > 0);
  const verdict: Verdict = failed ? 'fail' : options.incomplete ? 'incomplete' : options.integrityOnly ? 'intact' : 'pass';
  const report: Report = {
    format: 'evidence-packet/report/v1',
    command: options.command,
    subject: options.subject,
    verdict,
    evaluatedAt: options.evaluatedAt,
    checks: options.checks,
    summary,
  };
  if (options.facts !== undefined) report.facts = options.facts;
  return report;
}

export function pass(id: string, message: string, extra: Partial<Check> = {}): Check {
  return { id, status: 'pass', code: 'OK', message, ...extra };
}

export function fail(id: string, code: string, message: string, extra: Partial<Check> = {}): Check {
  return { id, status: 'fail', code, message, ...extra };
}

export function warn(id: string, code: string, message: string, extra: Partial<Check> = {}): Check {
  return { id, status: 'warn', code, message, ...extra };
}
