/**
 * Secret detection and redaction. This is the interface other modules rely on; the redaction
 * work (rule files, streaming, structured JSON/YAML, final scan) is built out behind it.
 */

/** Where a secret was found. Never carries the secret itself. */
export interface SecretFinding {
  /** Rule id, e.g. `aws-access-key-id`. */
  rule: string;
  /** 1-based line and column of the start of the secret in the scanned text. */
  line: number;
  column: number;
  /** UTF-16 offsets [start, end) of the secret in the scanned text (to mask it; never to print it). */
  start: number;
  end: number;
}

const KEY_NAME = /(^|[_.-])(password|passwd|pwd|secret|token|api[_-]?key|apikey|private[_-]?key|credentials?)([_.-]|$)/i;

/** True when a JSON/YAML/env key name says its value is a secret (password, api_key, ...). */
export function isSecretKeyName(key: string): boolean {
  return KEY_NAME.test(key) && !/(_ref|_reference|_path|_name|_id)$/i.test(key);
}

const PATTERNS: { rule: string; pattern: RegExp }[] = [
  { rule: 'aws-access-key-id', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  { rule: 'github-token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/g },
  { rule: 'private-key', pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/g },
  { rule: 'url-password', pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+:[^\s@/]+@/gi },
];

/** Every secret the default rules find in `text`. */
export function findSecretsInText(text: string): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const { rule, pattern } of PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      const start = match.index;
      const before = text.slice(0, start);
      const line = before.split('\n').length;
      const column = start - before.lastIndexOf('\n');
      findings.push({ rule, line, column, start, end: start + match[0].length });
    }
  }
  return findings.sort((a, b) => a.start - b.start);
}

// ---- Interim implementation of the redaction API used by the packet builder; replaced by the
// ---- full rule engine (rule files, structured JSON/YAML, streaming) on the redact branch.
import { Transform } from 'node:stream';

export interface RuleSet {
  readonly source: string;
}
export interface RedactionRecord {
  rule: string;
  count: number;
  lines?: number[];
  pointers?: string[];
}
export function defaultRuleSet(): RuleSet {
  return { source: 'default' };
}
export async function loadRuleSet(rulesFile?: string): Promise<RuleSet> {
  return { source: rulesFile ?? 'default' };
}
export function redactText(text: string, _rules: RuleSet, _options: { path?: string } = {}): { text: string; records: RedactionRecord[] } {
  const findings = findSecretsInText(text);
  const records = new Map<string, RedactionRecord>();
  let out = '';
  let last = 0;
  for (const f of findings) {
    if (f.start < last) continue;
    out += text.slice(last, f.start) + `[REDACTED:${f.rule}]`;
    last = f.end;
    const record = records.get(f.rule) ?? { rule: f.rule, count: 0, lines: [] };
    record.count += 1;
    record.lines?.push(f.line);
    records.set(f.rule, record);
  }
  return { text: out + text.slice(last), records: [...records.values()] };
}
export function redactJsonValue(value: unknown, _rules: RuleSet): { value: unknown; records: RedactionRecord[] } {
  return { value, records: [] };
}
export function createTextRedactor(rules: RuleSet, options: { path?: string } = {}): Transform & { records(): RedactionRecord[] } {
  const chunks: Buffer[] = [];
  let records: RedactionRecord[] = [];
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
    flush(cb) {
      const result = redactText(Buffer.concat(chunks).toString('utf8'), rules, options);
      records = result.records;
      cb(null, Buffer.from(result.text, 'utf8'));
    },
  });
  return Object.assign(stream, { records: () => records });
}
export function scanForSecrets(text: string, _rules: RuleSet): SecretFinding[] {
  return findSecretsInText(text);
}
