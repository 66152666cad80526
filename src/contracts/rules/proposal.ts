import type { Environment } from '../types.js';
import { time, type Finding, type Rule } from './model.js';

/** The longest change window a proposal may ask for. */
export const MAX_WINDOW_MS = 7 * 24 * 3600 * 1000;

/** Approvals a proposal needs when the tenant does not say: prod needs one, others none. */
export function requiredApprovals(policy: Partial<Record<Environment, number>>, environment: Environment): number {
  return policy[environment] ?? (environment === 'prod' ? 1 : 0);
}

export const proposalTenantExists: Rule = {
  id: 'proposal.tenant-exists',
  code: 'TENANT_NOT_FOUND',
  summary: 'A proposal names a tenant that is defined.',
  check(context) {
    return context.set.proposals
      .filter(({ doc }) => context.tenant(doc.tenant) === undefined)
      .map(({ doc, source }) => ({
        status: 'fail' as const,
        message: `proposal "${doc.id}" names tenant "${doc.tenant}", which is not defined`,
        source,
        pointer: '/tenant',
        subject: doc.id,
      }));
  },
};

export const proposalEnvironmentEnabled: Rule = {
  id: 'proposal.environment-enabled',
  code: 'ENVIRONMENT_NOT_ENABLED',
  summary: "A proposal's environment is enabled for its tenant.",
  check(context) {
    const findings: Finding[] = [];
    for (const { doc, source } of context.set.proposals) {
      const tenant = context.tenant(doc.tenant);
      if (tenant === undefined || tenant.doc.environments.includes(doc.environment)) continue;
      findings.push({
        status: 'fail',
        message: `environment "${doc.environment}" is not enabled for tenant "${doc.tenant}"`,
        source,
        pointer: '/environment',
        subject: doc.id,
      });
    }
    return findings;
  },
};

export const proposalTargetExists: Rule = {
  id: 'proposal.target-exists',
  code: 'TARGET_NOT_FOUND',
  summary: 'A modify or remove change names a Binding or Capacity that exists.',
  check(context) {
    const findings: Finding[] = [];
    for (const { doc, source } of context.set.proposals) {
      doc.changes.forEach((change, index) => {
        if (change.action === 'add') return;
        const exists =
          change.target.kind === 'Binding'
            ? context.binding(change.target.id) !== undefined
            : context.capacity(change.target.id) !== undefined;
        if (exists) return;
        findings.push({
          status: 'fail',
          message: `change ${index + 1} would ${change.action} ${change.target.kind} "${change.target.id}", which does not exist`,
          hint: 'use action: add for a new target, or fix the id',
          source,
          pointer: `/changes/${index}/target/id`,
          subject: doc.id,
        });
      });
    }
    return findings;
  },
};

export const proposalTargetTenant: Rule = {
  id: 'proposal.target-tenant',
  code: 'TARGET_OTHER_TENANT',
  summary: "Every existing target of a proposal belongs to the proposal's tenant.",
  check(context) {
    const findings: Finding[] = [];
    for (const { doc, source } of context.set.proposals) {
      doc.changes.forEach((change, index) => {
        const owner =
          change.target.kind === 'Binding'
            ? context.binding(change.target.id)?.doc.tenant
            : context.capacity(change.target.id)?.doc.tenant;
        if (owner === undefined || owner === doc.tenant) return;
        findings.push({
          status: 'fail',
          message: `${change.target.kind} "${change.target.id}" belongs to tenant "${owner}", not "${doc.tenant}"`,
          source,
          pointer: `/changes/${index}/target/id`,
          subject: doc.id,
        });
      });
    }
    return findings;
  },
};

export const proposalWindowSane: Rule = {
  id: 'proposal.window-sane',
  code: 'WINDOW_INVALID',
  summary: 'created < expires; the window starts before it ends, lasts at most 7 days, and lies between created and expires.',
  check({ set }) {
    const findings: Finding[] = [];
    for (const { doc, source } of set.proposals) {
      const created = time(doc.created);
      const expires = time(doc.expires);
      const start = time(doc.window.start);
      const end = time(doc.window.end);
      const base = { status: 'fail' as const, source, subject: doc.id };
      if (expires <= created) {
        findings.push({ ...base, code: 'VALIDITY_INVERTED', message: 'the proposal expires before it was created', pointer: '/expires' });
      }
      if (end <= start) {
        findings.push({ ...base, code: 'WINDOW_INVERTED', message: 'the change window ends before it starts', pointer: '/window/end' });
      } else if (end - start > MAX_WINDOW_MS) {
        findings.push({ ...base, code: 'WINDOW_TOO_LONG', message: 'the change window is longer than 7 days', pointer: '/window' });
      }
      if (start < created || end > expires) {
        findings.push({
          ...base,
          code: 'WINDOW_OUTSIDE_VALIDITY',
          message: 'the change window must lie between the created and expires times',
          pointer: '/window',
        });
      }
    }
    return findings;
  },
};

export const proposalNotExpired: Rule = {
  id: 'proposal.not-expired',
  code: 'PROPOSAL_EXPIRED',
  summary: 'At the evaluation time (--now) the proposal has not expired and its window has not ended.',
  check({ set, now }) {
    const findings: Finding[] = [];
    const at = now.getTime();
    for (const { doc, source } of set.proposals) {
      if (time(doc.expires) <= at) {
        findings.push({
          status: 'fail',
          message: `proposal "${doc.id}" expired at ${doc.expires}`,
          hint: 'open a new proposal, or pass --now to evaluate at another time',
          source,
          pointer: '/expires',
          subject: doc.id,
        });
      } else if (time(doc.window.end) <= at) {
        findings.push({
          status: 'fail',
          code: 'WINDOW_PASSED',
          message: `the change window of proposal "${doc.id}" ended at ${doc.window.end}`,
          source,
          pointer: '/window/end',
          subject: doc.id,
        });
      }
    }
    return findings;
  },
};

export const approvalNotRequester: Rule = {
  id: 'proposal.approval-not-requester',
  code: 'SELF_APPROVAL',
  summary: 'Nobody approves their own proposal.',
  check({ set }) {
    const findings: Finding[] = [];
    for (const { doc, source } of set.proposals) {
      (doc.approvals ?? []).forEach((approval, index) => {
        if (approval.approver !== doc.requester) return;
        findings.push({
          status: 'fail',
          message: `"${approval.approver}" requested this proposal and cannot approve it`,
          source,
          pointer: `/approvals/${index}/approver`,
          subject: doc.id,
        });
      });
    }
    return findings;
  },
};

export const approvalHash: Rule = {
  id: 'proposal.approval-hash',
  code: 'APPROVAL_HASH_MISMATCH',
  summary: "Each approval is bound to the proposal's current content hash (SHA-256 of its RFC 8785 canonical JSON without approvals).",
  check(context) {
    const findings: Finding[] = [];
    for (const proposal of context.set.proposals) {
      const { doc, source } = proposal;
      const current = context.contentHash(proposal);
      (doc.approvals ?? []).forEach((approval, index) => {
        if (approval.contentHash === current) return;
        findings.push({
          status: 'fail',
          message: `the approval by "${approval.approver}" is for another version of this proposal`,
          hint: `the current content hash is ${current}; the proposal must be approved again`,
          source,
          pointer: `/approvals/${index}/contentHash`,
          subject: doc.id,
          data: { expected: current, actual: approval.contentHash },
        });
      });
    }
    return findings;
  },
};

export const approvalTime: Rule = {
  id: 'proposal.approval-time',
  code: 'APPROVAL_TIME_INVALID',
  summary: 'Each approval was given after the proposal was created, before it expires, and not after the evaluation time.',
  check({ set, now }) {
    const findings: Finding[] = [];
    for (const { doc, source } of set.proposals) {
      (doc.approvals ?? []).forEach((approval, index) => {
        const at = time(approval.approvedAt);
        if (at >= time(doc.created) && at < time(doc.expires) && at <= now.getTime()) return;
        findings.push({
          status: 'fail',
          message: `the approval by "${approval.approver}" at ${approval.approvedAt} is outside the proposal's life or in the future`,
          source,
          pointer: `/approvals/${index}/approvedAt`,
          subject: doc.id,
        });
      });
    }
    return findings;
  },
};

export const approvalCount: Rule = {
  id: 'proposal.approval-count',
  code: 'APPROVALS_MISSING',
  summary:
    "A proposal carries as many valid approvals as its tenant's policy asks for its environment (default: prod 1, others 0), counting distinct approvers other than the requester, bound to the current hash.",
  check(context) {
    const findings: Finding[] = [];
    for (const proposal of context.set.proposals) {
      const { doc, source } = proposal;
      const tenant = context.tenant(doc.tenant);
      if (tenant === undefined) continue;
      const needed = requiredApprovals(tenant.doc.approvals, doc.environment);
      const current = context.contentHash(proposal);
      const approvers = new Set(
        (doc.approvals ?? [])
          .filter((a) => a.approver !== doc.requester && a.contentHash === current && time(a.approvedAt) <= context.now.getTime())
          .map((a) => a.approver),
      );
      if (approvers.size >= needed) continue;
      findings.push({
        status: 'fail',
        message: `${doc.environment} proposal "${doc.id}" has ${approvers.size} valid approval(s) from people other than the requester; tenant "${doc.tenant}" requires ${needed}`,
        hint: `have ${needed - approvers.size} more approver(s) approve content hash ${current}`,
        source,
        pointer: doc.approvals === undefined ? '' : '/approvals',
        ...(doc.approvals === undefined ? { key: 'id' } : {}),
        subject: doc.id,
        data: { required: needed, valid: approvers.size },
      });
    }
    return findings;
  },
};
