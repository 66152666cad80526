/**
 * The TypeScript rules that remain: the generic document checks (placeholders, inline secrets)
 * and the three evidence-packet rules no primitive or expression says clearly (see
 * declared/builtins.ts). Every other rule is declared in a profile or a repository config.
 */
export { DOCUMENT_RULES, type DocumentRule } from './document.js';
export type { ContractSet, Finding, Loaded, Rule, RuleContext } from './model.js';
