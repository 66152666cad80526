/** Contract validation: the library API behind `packet validate`. */
export { validateContracts, type ValidateOptions } from './validate.js';
export { validateWithConfig, PACKAGE_ROOT, type EngineOptions } from './engine.js';
export { loadConfigFile, parseConfigText, CONFIG_FILE_NAME, type LoadedConfig } from './config/load.js';
export { chooseConfig, listProfiles, loadProfile, DEFAULT_PROFILE, PROFILES_DIR } from './config/profiles.js';
export type * from './config/types.js';
export { BUILTIN_RULES } from './declared/builtins.js';
export { ruleCatalogue } from './declared/compile.js';
export { proposalContentHash } from './hash.js';
export { collectContractFiles, MAX_CONTRACT_FILES } from './collect.js';
export { SCHEMAS_DIR } from './kinds.js';
export { SchemaSet, dialectOf } from './schema-set.js';
export { ContractLoader, LOAD_THREAD_MIN_CPUS, LOAD_THREAD_THRESHOLD } from './load-pool.js';
export { makeSource, loadContractFile, loadContractFileSync, parseContractText, locatePointer, MAX_CONTRACT_BYTES, MAX_ALIAS_COUNT, type SourceDocument, type SourceProblem, type LoadResult } from './source.js';
export { DOCUMENT_RULES, type DocumentRule, type Finding, type RuleContext, type ContractSet, type Loaded } from './rules/index.js';
export { requiredApprovals } from './rules/proposal.js';
export { isPlaceholder } from './rules/document.js';
export type * from './types.js';
