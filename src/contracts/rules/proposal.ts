import type { Environment } from '../types.js';
import { time, type Finding, type Rule } from './model.js';
import { plural } from '../../core/plural.js';

/** The longest change window a proposal may ask for. */
export const MAX_WINDOW_MS = 7 * 24 * 3600 * 1000;

/** Approvals a proposal needs when the tenant does not say: prod needs one, others none. */
export function requiredApprovals(policy: Partial<Record<Environment, number>>, environment: Environment): number {
  return policy[environment] ?? (environment === 'prod' ? 1 : 0);
}










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
        message: `${doc.environment} proposal "${doc.id}" has ${plural(approvers.size, 'valid approval', 'valid approvals')} from people other than the requester; tenant "${doc.tenant}" requires ${needed}`,
        hint: `have ${plural(needed - approvers.size, 'more approver', 'more approvers')} approve content hash ${current}`,
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
