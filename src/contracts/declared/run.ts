import { findSecretsInText } from '../../redact/text.js';
import type { Check, SourceLocation } from '../../core/result.js';
import type { ValidateConfig } from '../config/types.js';
import { locatePointer } from '../source.js';
import type { CompiledConfig } from './compile.js';
import type { CompiledRule, DeclaredFinding, Place, RunContext } from './model.js';
import { fillTemplate, itemsOf, type Item, type KindDocument } from './select.js';

export interface RunInput {
  config: ValidateConfig;
  root: string;
  now: Date;
  /** Schema-valid documents per kind: rules judge only these. */
  valid: ReadonlyMap<string, KindDocument[]>;
  data: ReadonlyMap<string, string[]>;
}

/** Run every compiled rule over the schema-valid documents; one passing check per rule that found nothing. */
export async function runRules(compiled: CompiledConfig, input: RunInput): Promise<Check[]> {
  const context = runContext(compiled, input);
  const kinds = new Map(input.config.kinds.map((kind) => [kind.name, kind]));
  const byId = new Map<string, Check[]>();
  for (const rule of compiled.rules) {
    const checks = byId.get(rule.config.id) ?? [];
    byId.set(rule.config.id, checks);
    const empty = rule.needs.filter((kind) => (input.valid.get(kind)?.length ?? 0) === 0 && (kind === rule.config.kind || rule.primitive === 'builtin'));
    if (empty.length > 0) {
      // An optional kind without documents is named in the summary's counts; a required one fails.
      if (empty.every((kind) => kinds.get(kind)?.optional === true)) continue;
      checks.push({
        id: rule.config.id,
        status: 'fail',
        code: 'NO_DOCUMENTS',
        message: `no valid ${empty.join(', ')} document to check; the rule judged nothing`,
        hint: "check the kind's match and the documents' schema errors, or mark the kind optional",
      });
      continue;
    }
    const items = itemsOfRule(rule, input.valid.get(rule.config.kind) ?? [], context);
    checks.push(...(await findingsOf(rule, items, context)).map((finding) => toCheck(rule, finding)));
  }
  const result: Check[] = [];
  for (const [id, checks] of byId) {
    const problems = checks.filter((check) => check.status !== 'pass');
    result.push(...(problems.length === 0 ? [{ id, status: 'pass' as const, code: 'OK', message: 'no problem found' }] : problems));
  }
  return result;
}

/** The items a rule judges: each document (or each match of `each` in it) for which `when` holds. One array, built in one pass. */
function itemsOfRule(rule: CompiledRule, docs: readonly KindDocument[], context: RunContext): Item[] {
  const items: Item[] = [];
  for (const doc of docs) {
    if (rule.each === undefined) {
      const item: Item = { doc, value: doc.source.value, pointer: '' };
      if (rule.when === undefined || safeWhen(rule, item, context)) items.push(item);
      continue;
    }
    for (const item of itemsOf(doc, rule.each)) if (rule.when === undefined || safeWhen(rule, item, context)) items.push(item);
  }
  return items;
}

function safeWhen(rule: CompiledRule, item: Item, context: RunContext): boolean {
  try {
    return rule.when!(item, context);
  } catch {
    return false;
  }
}

async function findingsOf(rule: CompiledRule, items: Item[], context: RunContext): Promise<DeclaredFinding[]> {
  if (rule.checkAll !== undefined) return rule.checkAll(items, context);
  const findings: DeclaredFinding[] = [];
  for (const item of items) {
    try {
      findings.push(...rule.checkItem!(item, context));
    } catch (error) {
      // A document shaped so that a rule cannot judge it (for example nested too deep) is a finding, never a crash.
      findings.push({ at: { doc: item.doc, pointer: item.pointer }, code: 'RULE_NOT_EVALUATED', message: `the rule could not judge this item: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` });
    }
  }
  return findings;
}

function toCheck(rule: CompiledRule, finding: DeclaredFinding): Check {
  const item: Item = { doc: finding.at.doc, value: undefined, pointer: finding.at.pointer };
  const message = rule.config.message === undefined ? finding.message : (fillTemplate(rule.config.message, { ...item, value: finding.at.doc.source.value, pointer: '' }, finding.values ?? {}) ?? rule.config.message);
  const hintText = finding.hint ?? rule.config.hint;
  const hint = hintText === undefined ? undefined : (fillTemplate(hintText, { ...item, value: finding.at.doc.source.value, pointer: '' }, finding.values ?? {}) ?? hintText);
  const severity = finding.severity ?? rule.config.severity;
  const check: Check = {
    id: rule.config.id,
    status: severity === 'warning' ? 'warn' : 'fail',
    code: codeOf(rule, finding),
    message,
    location: locate(finding.at),
    subject: finding.at.doc.id ?? finding.at.doc.source.file,
  };
  if (hint !== undefined) check.hint = hint;
  if (finding.related !== undefined && finding.related.length > 0) check.related = finding.related.map(locate);
  if (finding.data !== undefined) check.data = finding.data;
  return check;
}

/** Codes that say the rule could not judge, or a path left the repository, are kept; otherwise the rule's own code wins. */
const KEPT_CODES = new Set(['CEL_EVALUATION_ERROR', 'CEL_NOT_BOOL', 'RULE_NOT_EVALUATED', 'FILE_OUTSIDE_REPOSITORY']);

function codeOf(rule: CompiledRule, finding: DeclaredFinding): string {
  if (finding.code !== undefined && (rule.primitive === 'builtin' || KEPT_CODES.has(finding.code))) return finding.code;
  return rule.config.code ?? finding.code ?? rule.code;
}

function locate(place: Place): SourceLocation {
  return locatePointer(place.doc.source, place.pointer, place.key);
}

function runContext(compiled: CompiledConfig, input: RunInput): RunContext {
  const index = new Map<string, Map<string, KindDocument>>();
  for (const [kind, docs] of input.valid) {
    const ids = new Map<string, KindDocument>();
    for (const doc of docs) if (doc.id !== undefined && !ids.has(doc.id)) ids.set(doc.id, doc);
    index.set(kind, ids);
  }
  const sets = new Map([...input.data].map(([name, values]) => [name, new Set(values)]));
  const secretCache = new Map<string, { rule: string }[]>();
  return {
    now: input.now,
    root: input.root,
    documents: (kind) => input.valid.get(kind) ?? [],
    byId: (kind, id) => index.get(kind)?.get(id),
    data: (name) => sets.get(name) ?? new Set(),
    dataLists: Object.fromEntries(input.data),
    cel: (expression) => compiled.cel.get(expression)!,
    findSecrets(text) {
      let found = secretCache.get(text);
      if (found === undefined) {
        found = findSecretsInText(text).map((secret) => ({ rule: secret.rule }));
        if (secretCache.size < 10_000) secretCache.set(text, found);
      }
      return found;
    },
  };
}
