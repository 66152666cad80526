import type { Finding, Rule } from './model.js';
import { RESOURCE_NAMES, type Capacity, type CapacityLimit, type ResourceName } from '../types.js';





/** The hard limit in force for a provider/variant/resource: an override replaces the limit's hard value. */
function hardLimit(capacity: Capacity, limit: CapacityLimit, resource: ResourceName): number | undefined {
  const override = capacity.overrides?.find(
    (candidate) => candidate.provider === limit.provider && candidate.variant === limit.variant && candidate.resource === resource,
  );
  return override?.hard ?? limit[resource]?.hard;
}

export const capacityReservedWithinLimits: Rule = {
  id: 'capacity.reserved-within-limits',
  code: 'LIMIT_EXCEEDED',
  summary:
    "The resources a tenant's bindings reserve, summed per provider and variant, fit the Capacity limits: over hard fails under deny and warns under warn; over soft warns; a reservation with no limit fails.",
  check(context) {
    const findings: Finding[] = [];
    const totals = new Map<string, number>();
    for (const binding of context.set.bindings) {
      const capacity = context.capacity(binding.doc.tenant);
      if (capacity === undefined) continue;
      binding.doc.consumers.forEach((consumer, index) => {
        const limit = capacity.doc.limits.find((l) => l.provider === consumer.provider && l.variant === consumer.variant);
        for (const resource of RESOURCE_NAMES) {
          const amount = consumer.reserves[resource];
          if (amount === undefined) continue;
          const pointer = `/consumers/${index}/reserves/${resource}`;
          const base = { source: binding.source, pointer, subject: binding.doc.id };
          const soft = limit?.[resource]?.soft;
          const hard = limit === undefined ? undefined : hardLimit(capacity.doc, limit, resource);
          if (hard === undefined) {
            findings.push({
              ...base,
              status: 'fail',
              code: 'LIMIT_UNDEFINED',
              message: `no ${resource} limit for ${consumer.provider}/${consumer.variant} in the capacity of tenant "${binding.doc.tenant}"`,
              hint: 'add a limit for this provider and variant to the Capacity contract',
            });
            continue;
          }
          const key = `${binding.doc.tenant}\0${consumer.provider}\0${consumer.variant}\0${resource}`;
          const before = totals.get(key) ?? 0;
          const total = before + amount;
          totals.set(key, total);
          const data = { tenant: binding.doc.tenant, provider: consumer.provider, variant: consumer.variant, resource, total, soft, hard };
          // Report each threshold once: at the reservation that first crosses it.
          if (total > hard && before <= hard) {
            findings.push({
              ...base,
              status: capacity.doc.enforcement === 'deny' ? 'fail' : 'warn',
              message: `tenant "${binding.doc.tenant}" reserves ${total} ${resource} on ${consumer.provider}/${consumer.variant}, over the hard limit ${hard} (enforcement: ${capacity.doc.enforcement})`,
              hint: 'reduce the reservation, or raise the limit with an override that gives a reason',
              data,
            });
          } else if (soft !== undefined && total > soft && before <= soft && total <= hard) {
            findings.push({
              ...base,
              status: 'warn',
              code: 'SOFT_LIMIT_EXCEEDED',
              message: `tenant "${binding.doc.tenant}" reserves ${total} ${resource} on ${consumer.provider}/${consumer.variant}, over the soft limit ${soft}`,
              data,
            });
          }
        }
      });
    }
    return findings;
  },
};
