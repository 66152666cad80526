import type { SourceDocument } from '../source.js';
import type { Binding, Capacity, Proposal, Tenant } from '../types.js';

/** A schema-valid document of a known kind, with its source for locations. */
export interface Loaded<T> {
  doc: T;
  source: SourceDocument;
}

export interface ContractSet {
  tenants: Loaded<Tenant>[];
  bindings: Loaded<Binding>[];
  capacities: Loaded<Capacity>[];
  proposals: Loaded<Proposal>[];
}

export interface RuleContext {
  set: ContractSet;
  /** Evaluation time (`--now`). */
  now: Date;
  tenant(id: string): Loaded<Tenant> | undefined;
  capacity(tenantId: string): Loaded<Capacity> | undefined;
  binding(id: string): Loaded<Binding> | undefined;
  /** The content hash of a proposal, computed once per run. */
  contentHash(proposal: Loaded<Proposal>): string;
}

/** One problem a rule found. `pointer` (and `key`) say where in `source` it is. */
export interface Finding {
  status: 'fail' | 'warn';
  /** Defaults to the rule's code. */
  code?: string;
  message: string;
  source: SourceDocument;
  pointer: string;
  key?: string;
  hint?: string;
  subject?: string;
  data?: Record<string, unknown>;
}

export interface Rule {
  /** Stable rule id, e.g. `binding.tenant-exists`. */
  id: string;
  /** The reason code of its usual failure. */
  code: string;
  /** What the rule requires, for docs and SARIF help. */
  summary: string;
  check(context: RuleContext): Finding[];
}

/** Parse an RFC 3339 time that the schema already accepted. */
export function time(text: string): number {
  return Date.parse(text);
}
