import { proposalContentHash } from '../hash.js';
import * as binding from '../rules/binding.js';
import * as capacity from '../rules/capacity.js';
import * as proposal from '../rules/proposal.js';
import type { ContractSet, Finding, Loaded, Rule, RuleContext } from '../rules/model.js';
import type { Binding, Capacity, Proposal, Tenant } from '../types.js';
import type { DeclaredFinding, RunContext } from './model.js';
import type { Item, KindDocument } from './select.js';

/**
 * Rules written in TypeScript because neither a primitive nor a CEL expression says them
 * clearly: running totals reported at the reservation that first crosses a limit, with limits
 * that overrides replace, and approval counting with de-duplication. They read the
 * evidence-packet kinds (Tenant, Binding, Capacity, Proposal). `trust-policy.rules` runs the
 * trust policy's own checks (key files, roles) on a TrustPolicy document.
 */
export interface BuiltinRule {
  code: string;
  summary: string;
  kinds: string[];
  check(items: Item[], context: RunContext): DeclaredFinding[] | Promise<DeclaredFinding[]>;
}

const EVIDENCE_KINDS = ['Tenant', 'Binding', 'Capacity', 'Proposal'];

function fromTypedRule(rule: Rule): BuiltinRule {
  return {
    code: rule.code,
    summary: rule.summary,
    kinds: EVIDENCE_KINDS,
    check(_items, context) {
      const { set, bySource } = contractSet(context);
      return rule.check(ruleContext(set, context.now)).map((finding) => toDeclared(finding, bySource));
    },
  };
}

export const BUILTIN_RULES: ReadonlyMap<string, BuiltinRule> = new Map([
  ['binding.within-quota', fromTypedRule(binding.bindingWithinQuota)],
  ['capacity.reserved-within-limits', fromTypedRule(capacity.capacityReservedWithinLimits)],
  ['proposal.approval-count', fromTypedRule(proposal.approvalCount)],
  [
    'trust-policy.rules',
    {
      code: 'POLICY_INVALID',
      summary: 'A trust policy passes its own rules beyond the schema (a fingerprint pinned to two people, a role nobody holds, key files).',
      kinds: ['TrustPolicy'],
      async check(items) {
        const findings: DeclaredFinding[] = [];
        // Loaded only when a trust policy is validated: it brings the OpenPGP library.
        const { validateTrustPolicyFile } = items.length === 0 ? { validateTrustPolicyFile: undefined } : await import('../../trust/index.js');
        for (const item of items) {
          const report = await validateTrustPolicyFile!(item.doc.source.file);
          for (const check of report.checks) {
            if (check.status === 'pass') continue;
            findings.push({ at: { doc: item.doc, pointer: check.location?.pointer ?? '' }, code: check.code, message: check.message, ...(check.status === 'warn' ? { severity: 'warning' as const } : {}) });
          }
        }
        return findings;
      },
    },
  ],
]);

function contractSet(context: RunContext): { set: ContractSet; bySource: Map<unknown, KindDocument> } {
  const bySource = new Map<unknown, KindDocument>();
  const loaded = <T>(kind: string): Loaded<T>[] =>
    context.documents(kind).map((doc) => {
      bySource.set(doc.source, doc);
      return { doc: doc.source.value as T, source: doc.source };
    });
  const set: ContractSet = { tenants: loaded<Tenant>('Tenant'), bindings: loaded<Binding>('Binding'), capacities: loaded<Capacity>('Capacity'), proposals: loaded<Proposal>('Proposal') };
  return { set, bySource };
}

function ruleContext(set: ContractSet, now: Date): RuleContext {
  const first = <T>(entries: Loaded<T>[], key: (doc: T) => string) => {
    const map = new Map<string, Loaded<T>>();
    for (const entry of entries) if (!map.has(key(entry.doc))) map.set(key(entry.doc), entry);
    return map;
  };
  const tenants = first(set.tenants, (doc) => doc.id);
  const capacities = first(set.capacities, (doc) => doc.tenant);
  const bindings = first(set.bindings, (doc) => doc.id);
  const hashes = new Map<Loaded<Proposal>, string>();
  return {
    set,
    now,
    tenant: (id) => tenants.get(id),
    capacity: (id) => capacities.get(id),
    binding: (id) => bindings.get(id),
    contentHash(entry) {
      let hash = hashes.get(entry);
      if (hash === undefined) {
        hash = proposalContentHash(entry.source.value as Record<string, unknown>);
        hashes.set(entry, hash);
      }
      return hash;
    },
  };
}

function toDeclared(finding: Finding, bySource: Map<unknown, KindDocument>): DeclaredFinding {
  const doc = bySource.get(finding.source)!;
  return {
    at: { doc, pointer: finding.pointer, ...(finding.key === undefined ? {} : { key: finding.key }) },
    ...(finding.status === 'warn' ? { severity: 'warning' as const } : {}),
    ...(finding.code === undefined ? {} : { code: finding.code }),
    message: finding.message,
    ...(finding.hint === undefined ? {} : { hint: finding.hint }),
    ...(finding.data === undefined ? {} : { data: finding.data }),
  };
}
