/** Redacting and scanning whole strings (small files, JSON string values, contract text). */
import { LineEngine, type EngineMode } from './engine.js';
import { gateMayReadAscii, leakGate } from './gate.js';
import { mayTriggerInAscii } from './triggers.js';
import { defaultRuleSet } from './ruleset.js';
import type { RedactionRecord, RuleSet, SecretFinding } from './types.js';

export interface TextOptions {
  /** The payload path: allow-list `paths` match against it. */
  path?: string;
}

/** Replace every secret in `text` with `[REDACTED:<rule-id>]`; records say where, never what. */
export function redactText(text: string, rules: RuleSet, options: TextOptions = {}): { text: string; records: RedactionRecord[] } {
  const engine = new LineEngine(rules, 'redact', options.path);
  const out = engine.push(text) + engine.end();
  return { text: out, records: engine.records() };
}

/**
 * What redactText would redact, as findings (for validators that must refuse inline secrets).
 * Keeps the first-cut signature: the rules default to the built-in set.
 */
export function findSecretsInText(text: string, rules: RuleSet = defaultRuleSet(), options: TextOptions = {}): SecretFinding[] {
  return detect(text, rules, 'detect', options.path);
}

/**
 * The final scan, run by the builder over redacted output. Two detectors built differently:
 * everything the redaction rules would still find, plus their leftover detectors (any `BEGIN ...
 * PRIVATE KEY` header, loose high-risk token prefixes); and the independent leak gate (gate.ts),
 * which shares no detection code with the rules, so a redactor miss is not also a scan miss.
 * Allow-lists apply to both. Empty means clean.
 */
export function scanForSecrets(text: string, rules: RuleSet, options: TextOptions = {}): SecretFinding[] {
  return [...detect(text, rules, 'scan', options.path), ...leakGate(text, rules, options.path)].sort((a, b) => a.start - b.start || a.end - b.end);
}

/**
 * True when scanForSecrets would find nothing in the text of these bytes, told without decoding
 * them: ASCII bytes (the caller checks) in which neither the engine's prefilter (every rule, the
 * leftover detectors, the structure) nor the leak gate's has a line to examine. False means only
 * that the text must be decoded and scanned. Most log text is decided here.
 */
export function scanClearsAscii(bytes: Uint8Array, rules: RuleSet): boolean {
  return !mayTriggerInAscii(rules, 'scan', bytes) && !gateMayReadAscii(bytes);
}

function detect(text: string, rules: RuleSet, mode: EngineMode, path: string | undefined): SecretFinding[] {
  const engine = new LineEngine(rules, mode, path);
  engine.push(text);
  engine.end();
  return engine
    .findings()
    .map((finding) => ({ ...finding, column: finding.start - (text.lastIndexOf('\n', finding.start - 1) + 1) + 1 }))
    .sort((a, b) => a.start - b.start || a.end - b.end);
}
