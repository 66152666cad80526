import { basename, dirname, extname } from 'node:path';
import type { Finding, Rule } from './model.js';

/** The prefix every secret reference of a tenant must stay under. */
export function tenantSecretPrefix(tenantId: string): string {
  return `vault://tenants/${tenantId}/`;
}

/**
 * The id a tenant file's path implies: `tenants/<id>.yaml` gives `<id>`, and `<id>/tenant.yaml`
 * gives the folder name.
 */
export function tenantIdFromPath(file: string): string {
  const stem = basename(file, extname(file));
  return stem === 'tenant' ? basename(dirname(file)) : stem;
}

export const tenantIdMatchesPath: Rule = {
  id: 'tenant.id-matches-path',
  code: 'TENANT_ID_PATH_MISMATCH',
  summary: 'A tenant id equals its file name (tenants/<id>.yaml) or its folder name (<id>/tenant.yaml).',
  check({ set }) {
    const findings: Finding[] = [];
    for (const { doc, source } of set.tenants) {
      const expected = tenantIdFromPath(source.file);
      if (doc.id !== expected) {
        findings.push({
          status: 'fail',
          message: `tenant id "${doc.id}" does not match its path, which names "${expected}"`,
          hint: `rename the file or folder to "${doc.id}", or set id to "${expected}"`,
          source,
          pointer: '/id',
          subject: doc.id,
        });
      }
    }
    return findings;
  },
};

export const uniqueIds: Rule = {
  id: 'contract.unique-id',
  code: 'DUPLICATE_ID',
  summary: 'Tenant, binding and proposal ids are unique per kind; a tenant has at most one Capacity.',
  check({ set }) {
    const findings: Finding[] = [];
    const groups: [string, { id: string; source: Finding['source']; pointer: string }[]][] = [
      ['Tenant', set.tenants.map(({ doc, source }) => ({ id: doc.id, source, pointer: '/id' }))],
      ['Binding', set.bindings.map(({ doc, source }) => ({ id: doc.id, source, pointer: '/id' }))],
      ['Proposal', set.proposals.map(({ doc, source }) => ({ id: doc.id, source, pointer: '/id' }))],
      ['Capacity', set.capacities.map(({ doc, source }) => ({ id: doc.tenant, source, pointer: '/tenant' }))],
    ];
    for (const [kind, entries] of groups) {
      const firstFile = new Map<string, string>();
      for (const entry of entries) {
        const earlier = firstFile.get(entry.id);
        if (earlier === undefined) {
          firstFile.set(entry.id, entry.source.file);
          continue;
        }
        findings.push({
          status: 'fail',
          message: `${kind} "${entry.id}" is also defined in ${earlier}`,
          hint: 'keep one definition per id',
          source: entry.source,
          pointer: entry.pointer,
          subject: entry.id,
        });
      }
    }
    return findings;
  },
};

export const tenantCapacityDefined: Rule = {
  id: 'tenant.capacity-defined',
  code: 'CAPACITY_MISSING',
  summary: 'Every tenant has a Capacity contract.',
  check(context) {
    return context.set.tenants
      .filter(({ doc }) => context.capacity(doc.id) === undefined)
      .map(({ doc, source }) => ({
        status: 'fail' as const,
        message: `tenant "${doc.id}" has no Capacity contract`,
        hint: `add a Capacity with tenant: ${doc.id}`,
        source,
        pointer: '/id',
        subject: doc.id,
      }));
  },
};

export const secretRefPrefix: Rule = {
  id: 'secret.ref-prefix',
  code: 'SECRET_REF_OUTSIDE_TENANT',
  summary: "Every secret reference (tenant endpoints, binding secrets) is under vault://tenants/<tenant-id>/.",
  check({ set }) {
    const findings: Finding[] = [];
    const outside = (ref: string, tenantId: string): boolean => !ref.startsWith(tenantSecretPrefix(tenantId)) || ref.includes('/../') || ref.endsWith('/..');
    for (const { doc, source } of set.tenants) {
      doc.endpoints.forEach((endpoint, index) => {
        if (outside(endpoint.secretRef, doc.id)) {
          findings.push(prefixFinding(endpoint.secretRef, doc.id, source, `/endpoints/${index}/secretRef`));
        }
      });
    }
    for (const { doc, source } of set.bindings) {
      doc.consumers.forEach((consumer, index) => {
        if (outside(consumer.secret.ref, doc.tenant)) {
          findings.push(prefixFinding(consumer.secret.ref, doc.tenant, source, `/consumers/${index}/secret/ref`));
        }
      });
    }
    return findings;
  },
};

function prefixFinding(ref: string, tenantId: string, source: Finding['source'], pointer: string): Finding {
  return {
    status: 'fail',
    message: `secret reference "${ref}" is outside the tenant's prefix ${tenantSecretPrefix(tenantId)}`,
    hint: `move the secret under ${tenantSecretPrefix(tenantId)}`,
    source,
    pointer,
    subject: tenantId,
  };
}
