/**
 * Loading a project rules file (YAML or JSON, schemas/redaction-rules.schema.json): rules are
 * added to the defaults, allow-list entries suppress known false positives. A bad file is a
 * usage error that names the file and line.
 */
import { readFile } from 'node:fs/promises';
import type { Ajv2020, ErrorObject } from 'ajv/dist/2020.js';
import type { Document, LineCounter } from 'yaml';
import { describeCause, usageError } from '../core/errors.js';
import type { RuleSpec } from './defaults.js';
import { compileRule, defaultRuleSet, globToRegExp } from './ruleset.js';
import type { AllowEntry, PatternRule, RuleSet } from './types.js';

/** A rules file larger than this is refused (it is hand-written configuration). */
export const MAX_RULES_FILE_BYTES = 1 << 20;

interface RulesFile {
  apiVersion: string;
  kind: string;
  rules?: { id: string; description?: string; regex: string; group?: number | string; keywords?: string[]; ignoreCase?: boolean }[];
  allow?: { value?: string; regex?: string; paths?: string[]; rules?: string[]; reason?: string }[];
}

const HINT = 'fix the rules file; its format is in docs/redaction.md and schemas/redaction-rules.schema.json';

let validator: ReturnType<Ajv2020['compile']> | undefined;

async function validate(): Promise<ReturnType<Ajv2020['compile']>> {
  if (validator === undefined) {
    const schemaUrl = new URL('../../schemas/redaction-rules.schema.json', import.meta.url);
    const schema = JSON.parse(await readFile(schemaUrl, 'utf8')) as object;
    const { Ajv2020 } = await import('ajv/dist/2020.js');
    validator = new Ajv2020({ strict: true, strictRequired: false, allErrors: true, verbose: true }).compile(schema);
  }
  return validator;
}

/** The default rules, plus the project rules file when given. */
export async function loadRuleSet(rulesFile?: string): Promise<RuleSet> {
  if (rulesFile === undefined) return defaultRuleSet();
  return ruleSetFromText(await readRulesFile(rulesFile), rulesFile);
}

/** The rule set of a rules file's text (`rulesFile` names it in errors); it keeps the text for worker threads. */
export async function ruleSetFromText(text: string, rulesFile: string): Promise<RuleSet> {
  // Loaded only for a rules file: the two libraries take about a tenth of a second of CPU to load,
  // in every thread that prepares files, and most builds have no rules file.
  const yaml = await import('yaml');
  const { LineCounter, parseDocument } = yaml;
  const lineOf = (doc: Document, lineCounter: LineCounter, pointer: string): number | undefined => nodeLine(yaml, doc, lineCounter, pointer);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const syntax = doc.errors[0];
  if (syntax !== undefined) {
    throw usageError('RULES_FILE_SYNTAX', `${rulesFile} is not valid YAML or JSON: ${syntax.code.toLowerCase()}`, {
      file: rulesFile,
      line: lineCounter.linePos(syntax.pos[0]).line,
      hint: HINT,
    });
  }
  const data = doc.toJS({ maxAliasCount: 100 }) as unknown;
  const check = await validate();
  if (!check(data)) {
    const errors = check.errors ?? [];
    // A misspelled field shows up as an unknown field and, often, a missing one: name the unknown one.
    const unknown = errors.find((e) => e.keyword === 'additionalProperties');
    const error = unknown ?? (errors[0] as ErrorObject);
    const message = unknown === undefined ? `${error.instancePath || '/'} ${error.message ?? 'is invalid'}` : unknownField(unknown);
    const at = unknown === undefined ? error.instancePath : `${unknown.instancePath}/${String(unknown.params.additionalProperty)}`;
    throw usageError('RULES_FILE_SCHEMA', `${rulesFile}: ${message}`, {
      file: rulesFile,
      line: lineOf(doc, lineCounter, at) ?? lineOf(doc, lineCounter, error.instancePath),
      hint: HINT,
    });
  }
  return { ...compileFile(data as RulesFile, rulesFile, (pointer) => lineOf(doc, lineCounter, pointer)), file: { path: rulesFile, text } };
}

/** `/rules/0: unknown field "regx" (did you mean "regex"?)`, from an additionalProperties error. */
function unknownField(error: ErrorObject): string {
  const field = String(error.params.additionalProperty);
  const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
  const closest = known
    .map((name) => {
      const [a, b] = [field.toLowerCase(), name.toLowerCase()];
      return { name, distance: a.startsWith(b) || b.startsWith(a) ? 1 : editDistance(a, b) };
    })
    .sort((a, b) => a.distance - b.distance)[0];
  const suggestion = closest !== undefined && closest.distance <= Math.max(2, Math.floor(field.length / 3)) ? ` (did you mean "${closest.name}"?)` : '';
  return `${error.instancePath || '/'}: unknown field "${field}"${suggestion}; known fields: ${known.join(', ')}`;
}

/** Levenshtein distance (short field names only). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

async function readRulesFile(rulesFile: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(rulesFile);
  } catch (error) {
    throw usageError('RULES_FILE_UNREADABLE', `cannot read the rules file ${rulesFile} (${(error as NodeJS.ErrnoException).code ?? describeCause(error)})`, {
      file: rulesFile,
      hint: 'check the --rules path',
      cause: error,
    });
  }
  if (bytes.byteLength > MAX_RULES_FILE_BYTES) {
    throw usageError('RULES_FILE_TOO_LARGE', `${rulesFile} is larger than ${MAX_RULES_FILE_BYTES} bytes`, { file: rulesFile, hint: HINT });
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw usageError('RULES_FILE_SYNTAX', `${rulesFile} is not UTF-8 text`, { file: rulesFile, hint: HINT });
  }
}

function compileFile(file: RulesFile, path: string, lineAt: (pointer: string) => number | undefined): RuleSet {
  const base = defaultRuleSet();
  const ids = new Set(base.rules.map((rule) => rule.id));
  const rules: PatternRule[] = [...base.rules];
  (file.rules ?? []).forEach((rule, index) => {
    const where = { file: path, line: lineAt(`/rules/${index}`), hint: HINT };
    if (ids.has(rule.id)) throw usageError('RULES_DUPLICATE_ID', `${path}: rule id ${rule.id} is already defined`, where);
    ids.add(rule.id);
    const flags = rule.ignoreCase === true ? 'i' : '';
    const probe = compileRegex(rule.regex, `dgm${flags}`, path, lineAt(`/rules/${index}/regex`));
    if (probe.test('')) {
      throw usageError('RULES_REGEX_MATCHES_EMPTY', `${path}: the regex of rule ${rule.id} matches the empty string`, where);
    }
    const group = rule.group ?? 0;
    if (!hasGroup(rule.regex, group)) {
      throw usageError('RULES_UNKNOWN_GROUP', `${path}: rule ${rule.id} names capture group ${String(group)}, which its regex does not have`, where);
    }
    const spec: RuleSpec = { id: rule.id, description: rule.description ?? '', regex: rule.regex, flags: flags as 'i' | '', group, keywords: rule.keywords ?? [] };
    rules.push(compileRule(spec, path));
  });
  const allow: AllowEntry[] = (file.allow ?? []).map((entry, index) => {
    const compiled: AllowEntry = {};
    if (entry.value !== undefined) compiled.value = entry.value;
    if (entry.regex !== undefined) compiled.regex = compileRegex(entry.regex, '', path, lineAt(`/allow/${index}/regex`));
    if (entry.paths !== undefined) compiled.paths = entry.paths.map(globToRegExp);
    if (entry.rules !== undefined) compiled.rules = entry.rules;
    return compiled;
  });
  return { rules, allow, source: `default+${path}` };
}

/**
 * A user regex must compile, and must not carry the classic catastrophic-backtracking shape (a
 * quantified group that itself ends in a quantifier, `(a+)+`, `(\w*)*`, `(x|y+){2,}`). This is a
 * guard, not a proof: see docs/redaction.md on ReDoS. Lines are bounded, which bounds the damage.
 */
function compileRegex(source: string, flags: string, file: string, line: number | undefined): RegExp {
  let regex: RegExp;
  try {
    regex = new RegExp(source, flags);
  } catch (error) {
    throw usageError('RULES_INVALID_REGEX', `${file}: invalid regular expression: ${describeCause(error)}`, { file, line, hint: HINT });
  }
  if (/[+*}]\)[+*{]/.test(source) || /[+*}]\)\?[+*{]/.test(source)) {
    throw usageError('RULES_UNSAFE_REGEX', `${file}: a regular expression has a nested quantifier, which can take exponential time`, {
      file,
      line,
      hint: 'rewrite it without a quantified group that ends in a quantifier, e.g. (ab+)+ -> (?:ab+)',
    });
  }
  return regex;
}

function hasGroup(source: string, group: number | string): boolean {
  const match = new RegExp(`${source}|`, 'd').exec('') as RegExpExecArray;
  if (typeof group === 'number') return group < match.length;
  return match.groups !== undefined && group in match.groups;
}

function nodeLine({ isMap, isSeq }: typeof import('yaml'), doc: Document, lineCounter: LineCounter, pointer: string): number | undefined {
  const path = pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  let node: unknown = doc.contents;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => (item.key as { value?: unknown } | null)?.value === key);
      node = pair?.value ?? pair?.key;
    } else if (isSeq(node) && typeof key === 'number') node = node.items[key];
    else break;
  }
  const range = (node as { range?: [number, number, number] } | undefined)?.range;
  return range === undefined ? undefined : lineCounter.linePos(range[0]).line;
}
