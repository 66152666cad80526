/**
 * Secret detection and redaction: rules as data (defaults + a project rules file), text and
 * streaming redaction with `[REDACTED:<rule-id>]` markers, structured JSON redaction, and the
 * final scan. Records and findings say where and by which rule, never the value.
 * See docs/redaction.md.
 */
export type { AllowEntry, PatternRule, RedactionRecord, RuleSet, SecretFinding } from './types.js';
export { MAX_RECORDED_LOCATIONS } from './types.js';
export { isDescriptiveKeyName, isHintKeyName, isKeepShapedValue, isNonSecretValue, isSecretKeyName, isSecretReference, looksRandom } from './keys.js';
export { GATE_CHECKS, leakGate } from './gate.js';
export { PREFIX_RULES } from './prefixes.js';
export { STRUCTURAL_PATTERN_RULES } from './structural-rules.js';
export { DEFAULT_RULES, LEFTOVER_RULES, STRUCTURAL_RULES, type RuleSpec } from './defaults.js';
export { defaultRuleSet } from './ruleset.js';
export { loadRuleSet, MAX_RULES_FILE_BYTES, ruleSetFromText } from './rules-file.js';
export { MAX_HELD_CHARS, MAX_LINE_CHARS } from './engine.js';
export { marker } from './line.js';
export { redactText, findSecretsInText, scanClearsAscii, scanForSecrets, type TextOptions } from './text.js';
export { createTextRedactor, type TextRedactor } from './stream.js';
export { redactJsonValue, MAX_JSON_DEPTH } from './json.js';
