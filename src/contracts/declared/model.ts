import type { Condition, RuleConfig, Severity } from '../config/types.js';
import type { CompiledCel } from './cel.js';
import type { Field, Item, KindDocument } from './select.js';

/** What every declared rule sees while it runs. */
export interface RunContext {
  now: Date;
  /** Absolute path of the repository root. */
  root: string;
  documents(kind: string): readonly KindDocument[];
  /** The document of a kind whose id is `id`. */
  byId(kind: string, id: string): KindDocument | undefined;
  /** A data input as a set of strings. */
  data(name: string): ReadonlySet<string>;
  /** The data inputs as lists, for CEL. */
  dataLists: Record<string, string[]>;
  /** Every compiled CEL expression, by its text. */
  cel(expression: string): CompiledCel;
  /** Scan a text for secrets with the redaction detectors. */
  findSecrets(text: string): { rule: string }[];
}

/** A place in a document, for the main and related locations of a finding. */
export interface Place {
  doc: KindDocument;
  pointer: string;
  key?: string;
}

export interface DeclaredFinding {
  at: Place;
  /** Overrides the rule's severity (aggregate severity from a field). */
  severity?: Severity;
  /** Overrides the primitive's default code. */
  code?: string;
  /** The primitive's own message, used when the rule has none. */
  message: string;
  hint?: string;
  /** Placeholder values for the rule's message template ({$value}, {$expected}, ...). */
  values?: Record<string, string>;
  related?: Place[];
  data?: Record<string, unknown>;
}

/** A compiled rule: configuration checked, fields parsed, expressions compiled. */
export interface CompiledRule {
  config: RuleConfig;
  /** The primitive's name (`ref`, `in`, ...). */
  primitive: string;
  /** The reason code of its failures. */
  code: string;
  each?: Field;
  when?: CompiledCondition;
  /** Checks one item; item-wise primitives only. */
  checkItem?(item: Item, context: RunContext): DeclaredFinding[];
  /** Checks all items at once (aggregate, unique). */
  checkAll?(items: Item[], context: RunContext): DeclaredFinding[] | Promise<DeclaredFinding[]>;
  /** Kinds this rule needs documents of (its own, and those it looks up). */
  needs: string[];
}

export type CompiledCondition = (item: Item, context: RunContext) => boolean;

export type { Condition };
