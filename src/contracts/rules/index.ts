import * as binding from './binding.js';
import * as capacity from './capacity.js';
import * as proposal from './proposal.js';
import * as tenant from './tenant.js';
import type { Rule } from './model.js';

export { DOCUMENT_RULES, type DocumentRule } from './document.js';
export type { ContractSet, Finding, Loaded, Rule, RuleContext } from './model.js';

/** The semantic rules across documents, in the order their results are reported. */
export const SEMANTIC_RULES: readonly Rule[] = [
  tenant.tenantIdMatchesPath,
  tenant.uniqueIds,
  tenant.tenantCapacityDefined,
  tenant.secretRefPrefix,
  binding.bindingTenantExists,
  binding.bindingEnvironmentEnabled,
  binding.bindingConsumerAllowed,
  binding.bindingVariantAllowed,
  binding.bindingEndpointExists,
  binding.bindingWithinQuota,
  capacity.capacityTenantExists,
  capacity.capacitySoftLeHard,
  capacity.capacitySingleLeCluster,
  capacity.capacityProdDeny,
  capacity.capacityReservedWithinLimits,
  proposal.proposalTenantExists,
  proposal.proposalEnvironmentEnabled,
  proposal.proposalTargetExists,
  proposal.proposalTargetTenant,
  proposal.proposalWindowSane,
  proposal.proposalNotExpired,
  proposal.approvalNotRequester,
  proposal.approvalHash,
  proposal.approvalTime,
  proposal.approvalCount,
];
