/**
 * The repository config of `packet validate` (`packet.validate.yaml`), as typed data after its
 * JSON Schema (schemas/validate-config.schema.json) accepted it. See docs/validate-config.md.
 */

export type Severity = 'error' | 'warning';
export type Dialect = 'draft-07' | '2019-09' | '2020-12';

export interface DocumentsConfig {
  /** Globs (relative to the root) of files that may be documents. */
  include: string[];
  exclude: string[];
  /** File name endings that are documents (`.yml.example` included when listed). */
  extensions: string[];
  /** What a document that no kind claims is: an error, a warning, or ignored. */
  unmatched: 'error' | 'warn' | 'ignore';
  yaml: { version: '1.1' | '1.2'; maxAliases: number };
  /** Largest document in bytes. */
  maxBytes: number;
}

export interface SchemasConfig {
  include: string[];
  /** Dialect of a schema without `$schema`. */
  defaultDialect: Dialect;
  /** Largest schema file in bytes. */
  maxBytes: number;
}

export interface KindConfig {
  name: string;
  match: { path?: string[]; apiVersion?: string; kind?: string };
  /** Schema file (relative to the root, or `package:` for the tool's own) or a `$id`. */
  schema?: string;
  /** JSON pointer to the document's id (references to this kind are matched against it). */
  id?: string;
  /** A rule over this kind passes with a note, instead of failing, when no document is of it. */
  optional?: boolean;
}

export type DataConfig = { list: string } | { folders: string; exclude?: string[] } | { values: string[] };

export type Condition =
  | { field: string; equals?: unknown; in?: unknown[]; exists?: boolean; matches?: string; type?: string }
  | { cel: string }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

/** A set of values: literal, a data input, or values gathered from documents of a kind. */
export type SetSpec = { values: unknown[] } | { data: string } | { kind: string; key?: string; values: string };

/** A value from another document: the document of `kind` whose id is `key`, at `field`. */
export interface OtherValue {
  kind: string;
  key: string;
  field: string;
}

export type Operand = string | number | boolean | OtherValue | { value: unknown };

/** The primitives a rule may name; each rule has exactly one. */
export const RULE_PRIMITIVES = ['ref', 'file', 'equalsPath', 'prefix', 'mapping', 'in', 'compare', 'assert', 'aggregate', 'time', 'secrets', 'sibling', 'unique', 'cel', 'builtin'] as const;

export interface RuleConfig {
  id: string;
  kind: string;
  each?: string;
  when?: Condition;
  severity: Severity;
  code?: string;
  summary?: string;
  message?: string;
  hint?: string;
  /** Exactly one primitive. */
  ref?: { field: string; kind: string; by?: string };
  file?: { field: string; base?: string; under?: string; relativeTo?: 'root' | 'document' };
  equalsPath?: { field: string; part: string };
  prefix?: { field: string; template: string };
  mapping?: { from: string; to: Operand; table: Record<string, string>; unmapped?: 'identity' | 'error' | 'ignore' };
  in?: { field: string; set: SetSpec };
  compare?: { left: Operand; op: '<' | '<=' | '==' | '!=' | '>=' | '>'; right: Operand; as?: 'number' | 'time' | 'text'; peer?: { each: string; where?: Record<string, string> } };
  assert?: Condition;
  aggregate?: AggregateConfig;
  time?: { field: string; after?: 'now'; before?: 'now' };
  secrets?: { fields?: string[] };
  sibling?: { file: string };
  unique?: { field?: string };
  cel?: { expr: string; field?: string };
  builtin?: string;
}

export interface AggregateConfig {
  /** Values summed: a pointer (with `*`) relative to each item. */
  sum: string;
  /** Templates whose values form the group key (for example the tenant and the resource). */
  groupBy: string[];
  /** The limit the sum must not exceed, looked up once per group from the group's first item. */
  limit: Operand;
  /** Severity per group from a value (for example `deny_on_exceed`): value → severity; no match keeps the rule's. */
  severityFrom?: { value: Operand; map: Record<string, Severity | 'ignore'> };
}

export interface GenericRuleConfig {
  enabled: boolean;
  severity: Severity;
  /** Places the rule does not look at: a kind, a field (pointer glob), or both. */
  ignore: { kind?: string; field?: string; path?: string }[];
}

export interface ValidateConfig {
  /** The config file, for error locations; `profile:NAME` for a built-in profile. */
  origin: string;
  version: 1;
  documents: DocumentsConfig;
  schemas: SchemasConfig;
  kinds: KindConfig[];
  data: Record<string, DataConfig>;
  rules: RuleConfig[];
  generic: { placeholder: GenericRuleConfig; inlineSecret: GenericRuleConfig };
}
