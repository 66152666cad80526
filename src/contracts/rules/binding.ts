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

export const bindingTenantExists: Rule = {
  id: 'binding.tenant-exists',
  code: 'TENANT_NOT_FOUND',
  summary: 'A binding names a tenant that is defined.',
  check(context) {
    return context.set.bindings
      .filter(({ doc }) => context.tenant(doc.tenant) === undefined)
      .map(({ doc, source }) => ({
        status: 'fail' as const,
        message: `binding "${doc.id}" names tenant "${doc.tenant}", which is not defined`,
        hint: 'fix the tenant id or add the Tenant contract',
        source,
        pointer: '/tenant',
        subject: doc.id,
      }));
  },
};

export const bindingEnvironmentEnabled: Rule = {
  id: 'binding.environment-enabled',
  code: 'ENVIRONMENT_NOT_ENABLED',
  summary: "A binding's environment is enabled for its tenant.",
  check(context) {
    const findings: Finding[] = [];
    for (const { doc, source } of context.set.bindings) {
      const tenant = context.tenant(doc.tenant);
      if (tenant === undefined || tenant.doc.environments.includes(doc.environment)) continue;
      findings.push({
        status: 'fail',
        message: `environment "${doc.environment}" is not enabled for tenant "${doc.tenant}" (enabled: ${tenant.doc.environments.join(', ')})`,
        hint: `enable ${doc.environment} in the tenant contract first`,
        source,
        pointer: '/environment',
        subject: doc.id,
      });
    }
    return findings;
  },
};

export const bindingConsumerAllowed: Rule = {
  id: 'binding.consumer-allowed',
  code: 'CONSUMER_NOT_ALLOWED',
  summary: "Each consumer type of a binding is in its tenant's allowed consumers.",
  check(context) {
    const findings: Finding[] = [];
    for (const { binding, tenant, consumer, pointer } of consumersWithTenant(context)) {
      if (tenant.doc.consumers.allowed.includes(consumer.type)) continue;
      findings.push({
        status: 'fail',
        message: `consumer type "${consumer.type}" is not allowed for tenant "${tenant.doc.id}" (allowed: ${tenant.doc.consumers.allowed.join(', ')})`,
        source: binding.source,
        pointer: `${pointer}/type`,
        subject: binding.doc.id,
      });
    }
    return findings;
  },
};

export const bindingVariantAllowed: Rule = {
  id: 'binding.variant-allowed',
  code: 'VARIANT_NOT_ALLOWED',
  summary: "Each consumer variant (single, cluster) of a binding is in its tenant's allowed variants.",
  check(context) {
    const findings: Finding[] = [];
    for (const { binding, tenant, consumer, pointer } of consumersWithTenant(context)) {
      if (tenant.doc.consumers.variants.includes(consumer.variant)) continue;
      findings.push({
        status: 'fail',
        message: `variant "${consumer.variant}" is not allowed for tenant "${tenant.doc.id}" (allowed: ${tenant.doc.consumers.variants.join(', ')})`,
        source: binding.source,
        pointer: `${pointer}/variant`,
        subject: binding.doc.id,
      });
    }
    return findings;
  },
};

export const bindingEndpointExists: Rule = {
  id: 'binding.endpoint-exists',
  code: 'ENDPOINT_NOT_FOUND',
  summary: "A consumer's endpointRef names an endpoint of its tenant with the same consumer type.",
  check(context) {
    const findings: Finding[] = [];
    for (const { binding, tenant, consumer, pointer } of consumersWithTenant(context)) {
      const endpoint = tenant.doc.endpoints.find((candidate) => candidate.name === consumer.endpointRef);
      if (endpoint === undefined) {
        findings.push({
          status: 'fail',
          message: `endpoint "${consumer.endpointRef}" is not an endpoint of tenant "${tenant.doc.id}"`,
          hint: `use one of: ${tenant.doc.endpoints.map((e) => e.name).join(', ') || '(none defined)'}`,
          source: binding.source,
          pointer: `${pointer}/endpointRef`,
          subject: binding.doc.id,
        });
      } else if (endpoint.consumer !== consumer.type) {
        findings.push({
          status: 'fail',
          code: 'ENDPOINT_TYPE_MISMATCH',
          message: `endpoint "${endpoint.name}" serves "${endpoint.consumer}", not "${consumer.type}"`,
          source: binding.source,
          pointer: `${pointer}/endpointRef`,
          subject: binding.doc.id,
        });
      }
    }
    return findings;
  },
};

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
