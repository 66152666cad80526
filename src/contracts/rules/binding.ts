import type { Finding, Loaded, Rule, RuleContext } from './model.js';
import type { Binding, BindingConsumer, Tenant } from '../types.js';
import { RESOURCE_NAMES } from '../types.js';

/** Each consumer of each binding whose tenant exists, with its pointer. */
function* consumersWithTenant(context: RuleContext): Generator<{
  binding: Loaded<Binding>;
  tenant: Loaded<Tenant>;
  consumer: BindingConsumer;
  pointer: string;
}> {
  for (const binding of context.set.bindings) {
    const tenant = context.tenant(binding.doc.tenant);
    if (tenant === undefined) continue;
    for (const [index, consumer] of binding.doc.consumers.entries()) {
      yield { binding, tenant, consumer, pointer: `/consumers/${index}` };
    }
  }
}






export const bindingWithinQuota: Rule = {
  id: 'binding.within-quota',
  code: 'QUOTA_EXCEEDED',
  summary:
    "The resources all bindings of a tenant reserve, per consumer type, fit the tenant's quotas (fail under deny enforcement, warn under warn).",
  check(context) {
    const findings: Finding[] = [];
    const totals = new Map<string, number>();
    for (const { binding, tenant, consumer, pointer } of consumersWithTenant(context)) {
      const quota = tenant.doc.quotas[consumer.type];
      const enforcement = context.capacity(tenant.doc.id)?.doc.enforcement ?? 'deny';
      for (const resource of RESOURCE_NAMES) {
        const amount = consumer.reserves[resource];
        if (amount === undefined) continue;
        const key = `${tenant.doc.id}\0${consumer.type}\0${resource}`;
        const before = totals.get(key) ?? 0;
        const total = before + amount;
        totals.set(key, total);
        const limit = quota?.[resource];
        // Report once per quota: at the reservation that first crosses it.
        if (limit === undefined || total <= limit || before > limit) continue;
        findings.push({
          status: enforcement === 'deny' ? 'fail' : 'warn',
          message: `tenant "${tenant.doc.id}" reserves ${total} ${resource} for ${consumer.type} across its bindings, over its quota of ${limit}`,
          hint: 'reduce the reservation or raise the quota in the tenant contract',
          source: binding.source,
          pointer: `${pointer}/reserves/${resource}`,
          subject: binding.doc.id,
          data: { tenant: tenant.doc.id, consumer: consumer.type, resource, total, quota: limit, enforcement },
        });
      }
    }
    return findings;
  },
};
