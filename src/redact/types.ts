/** Shared types of the redaction module. None of them ever carries a secret value. */

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

/** What one rule redacted in one file: where (lines or JSON pointers) and how often, never the value. */
export interface RedactionRecord {
  rule: string;
  count: number;
  /** 1-based input line numbers, ascending, at most {@link MAX_RECORDED_LOCATIONS}. */
  lines?: number[];
  /** RFC 6901 JSON pointers of redacted values (structured JSON), at most {@link MAX_RECORDED_LOCATIONS}. */
  pointers?: string[];
}

/** Locations kept per rule and file; `count` keeps counting past it. Bounds memory on huge files. */
export const MAX_RECORDED_LOCATIONS = 1000;

/** Spans in one line found by code; `rule` defaults to the id of the rule that found them. */
export type SpanFinder = (line: string, rules: RuleSet, path: string | undefined) => { start: number; end: number; rule?: string }[];

/** A line-local pattern rule, compiled. */
export interface PatternRule {
  id: string;
  /** Global + multiline; matched against one line at a time (a match never spans lines). */
  pattern: RegExp;
  /** Capture group whose text is redacted (0 = the whole match). */
  group: number | string;
  /**
   * Prefilter: a line can only match the rule if one of these matches the line. Case-insensitive
   * literals (default rules, or user `keywords`), else the rule pattern itself.
   */
  triggers: RegExp[];
  /** The literal keywords (as written; matched in lower, Capitalized, UPPER and as written) behind `triggers`, when the rule has them and no custom trigger. */
  keywords?: string[];
  /** With a custom trigger: literals (exact case) that every trigger match starts with, so the engine's one prefilter pass can look for them. */
  triggerStarts?: string[];
  /** Extra check on the candidate value (default rules only): false = not a secret. */
  accept?: (value: string, match: RegExpExecArray) => boolean;
  /** How many characters of the captured value are the secret (cuts comments, following keys). */
  narrow?: (value: string) => number;
  /** Where an accepted value ends when `pattern` read only a bounded probe of it. */
  whole?: (line: string, start: number, end: number) => number;
  /** Only used by the final scan (leftover detectors), never to redact. */
  scanOnly?: boolean;
  /** `keywords` match only as written, not in other letter cases. */
  caseSensitive?: boolean;
  /** Finds the spans itself (structure a regex cannot follow); `pattern` is then unused. */
  find?: SpanFinder;
  /** Where the rule comes from: `default` or the rules file path. */
  source: string;
}

/** A known false positive: a candidate is allowed when every condition the entry gives holds. */
export interface AllowEntry {
  /** Exact secret value. */
  value?: string;
  /** Regex tested against the candidate value. */
  regex?: RegExp;
  /** Payload path globs (`**`, `*`, `?`). */
  paths?: RegExp[];
  /** Rule ids the entry applies to (all rules if absent). */
  rules?: string[];
}

/** Compiled rules plus allow-lists. Immutable; safe to share between files and streams. */
export interface RuleSet {
  readonly rules: readonly PatternRule[];
  readonly allow: readonly AllowEntry[];
  /** Where the rules came from: `default`, or `default+<file>`. */
  readonly source: string;
  /** The rules file as read (its path and text), so that worker threads compile these very rules without reading the file again. */
  readonly file?: { readonly path: string; readonly text: string };
}
