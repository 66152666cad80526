/** Contract validation: the library API behind `packet validate`. */
export { validateContracts, type ValidateOptions } from './validate.js';
export { proposalContentHash } from './hash.js';
export { collectContractFiles, MAX_CONTRACT_FILES } from './collect.js';
export { createKindRegistry, defaultKindRegistry, KINDS, SCHEMAS_DIR, SCHEMA_BASE, type KindDefinition, type KindRegistry } from './kinds.js';
export { loadContractFiles, PARALLEL_THRESHOLD } from './parse-pool.js';
export { makeSource, loadContractFile, loadContractFileSync, parseContractText, locatePointer, MAX_CONTRACT_BYTES, MAX_ALIAS_COUNT, type SourceDocument, type SourceProblem, type LoadResult } from './source.js';
export { SEMANTIC_RULES, DOCUMENT_RULES, type Rule, type DocumentRule, type Finding, type RuleContext, type ContractSet, type Loaded } from './rules/index.js';
export { tenantSecretPrefix, tenantIdFromPath } from './rules/tenant.js';
export { requiredApprovals } from './rules/proposal.js';
export { isPlaceholder } from './rules/document.js';
export type * from './types.js';
