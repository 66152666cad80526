import { RULE_PRIMITIVES, type Condition, type Operand, type RuleConfig, type ValidateConfig } from '../config/types.js';
import { configError } from '../config/load.js';
import type { SourceDocument } from '../source.js';
import { compileCel, type CompiledCel } from './cel.js';
import type { CompiledRule } from './model.js';
import * as item from './primitives.js';
import { aggregateCheck, secretsCheck, uniqueCheck } from './set-primitives.js';
import { parseField, unknownPlaceholders } from './select.js';
import { compileCondition } from './values.js';
import { BUILTIN_RULES } from './builtins.js';

const DEFAULT_CODES: Record<string, string> = {
  ref: 'REF_NOT_FOUND',
  file: 'FILE_NOT_FOUND',
  equalsPath: 'PATH_MISMATCH',
  prefix: 'PREFIX_MISMATCH',
  mapping: 'MAPPING_MISMATCH',
  in: 'NOT_IN_SET',
  compare: 'COMPARISON_FAILED',
  assert: 'CONDITION_FAILED',
  aggregate: 'LIMIT_EXCEEDED',
  time: 'TIME_INVALID',
  secrets: 'INLINE_SECRET',
  sibling: 'SIBLING_MISSING',
  unique: 'DUPLICATE_ID',
  cel: 'EXPRESSION_FALSE',
};

export interface CompiledConfig {
  rules: CompiledRule[];
  cel: Map<string, CompiledCel>;
}

/**
 * Check every rule against the config (known kinds and data, valid templates, CEL that parses
 * and type-checks) and compile it once. A problem is a usage error at the rule's line.
 */
export function compileRules(config: ValidateConfig, source: SourceDocument): CompiledConfig {
  const kinds = new Map(config.kinds.map((kind) => [kind.name, kind]));
  const cel = new Map<string, CompiledCel>();
  const rules = config.rules.map((rule, index) => {
    const at = `/rules/${index}`;
    const fail = (pointer: string, message: string, hint?: string): never => {
      throw configError(source, `${at}${pointer}`, 'CONFIG_RULE_INVALID', `rule "${rule.id}": ${message}`, hint);
    };
    const needKind = (name: string, pointer: string): string => {
      if (!kinds.has(name)) fail(pointer, `names the unknown kind "${name}"`, `declare it under kinds: (${[...kinds.keys()].join(', ')})`);
      return name;
    };
    const needs = new Set<string>([needKind(rule.kind, '/kind')]);
    const checkTemplate = (text: string | undefined, pointer: string, extra: string[] = []): void => {
      if (text === undefined) return;
      const bad = unknownPlaceholders(text, extra);
      if (bad.length > 0) fail(pointer, `unknown placeholder {${bad[0]}}`, 'use {/field}, {$doc/field}, {$id}, {$name}, {$stem}, {$dir}, {$dir:N} or {$file}');
    };
    const addCel = (expression: string, pointer: string): void => {
      if (cel.has(expression)) return;
      const compiled = compileCel(expression);
      if (typeof compiled !== 'function') fail(pointer, `the CEL expression does not compile: ${compiled.message}`, 'docs/validate-config.md lists the variables and functions');
      cel.set(expression, compiled as CompiledCel);
    };
    const walkCondition = (condition: Condition, pointer: string): void => {
      if ('cel' in condition) addCel(condition.cel, `${pointer}/cel`);
      else if ('all' in condition) condition.all.forEach((part, i) => walkCondition(part, `${pointer}/all/${i}`));
      else if ('any' in condition) condition.any.forEach((part, i) => walkCondition(part, `${pointer}/any/${i}`));
      else if ('not' in condition) walkCondition(condition.not, `${pointer}/not`);
      else if (condition.matches !== undefined) {
        try {
          new RegExp(condition.matches, 'u');
        } catch {
          fail(`${pointer}/matches`, 'the pattern is not a valid regular expression');
        }
      }
    };
    const checkOperand = (operand: Operand, pointer: string): void => {
      if (typeof operand === 'string') checkTemplate(operand, pointer);
      else if (typeof operand === 'object' && 'kind' in operand) {
        needs.add(needKind(operand.kind, `${pointer}/kind`));
        checkTemplate(operand.key, `${pointer}/key`);
      }
    };
    checkTemplate(rule.message, '/message', ['value', 'expected', 'other', 'allowed', 'limit', 'group']);
    checkTemplate(rule.hint, '/hint', ['value', 'expected', 'other', 'allowed', 'limit', 'group']);
    if (rule.when !== undefined) walkCondition(rule.when, '/when');

    // Every field is set here, in one order, so that all compiled rules share one object shape:
    // the loops that run them then stay specialized instead of going generic (and recompiling).
    const compiled: CompiledRule = {
      config: rule,
      primitive: '',
      code: rule.code ?? '',
      each: rule.each === undefined ? undefined : parseField(rule.each),
      when: rule.when === undefined ? undefined : compileCondition(rule.when),
      checkItem: undefined,
      checkAll: undefined,
      needs: [],
    };
    if (rule.ref !== undefined) {
      needs.add(needKind(rule.ref.kind, '/ref/kind'));
      compiled.checkItem = item.refCheck(rule.ref);
      compiled.primitive = 'ref';
    } else if (rule.file !== undefined) {
      checkTemplate(rule.file.under, '/file/under');
      compiled.checkItem = item.fileCheck(rule.file);
      compiled.primitive = 'file';
    } else if (rule.equalsPath !== undefined) {
      compiled.checkItem = item.equalsPathCheck(rule.equalsPath);
      compiled.primitive = 'equalsPath';
    } else if (rule.prefix !== undefined) {
      checkTemplate(rule.prefix.template, '/prefix/template');
      compiled.checkItem = item.prefixCheck(rule.prefix);
      compiled.primitive = 'prefix';
    } else if (rule.mapping !== undefined) {
      compiled.checkItem = item.mappingCheck(rule.mapping);
      compiled.primitive = 'mapping';
    } else if (rule.in !== undefined) {
      const set = rule.in.set;
      if ('data' in set && config.data[set.data] === undefined) fail('/in/set/data', `names the unknown data input "${set.data}"`, `declare it under data: (${Object.keys(config.data).join(', ') || 'none yet'})`);
      if ('kind' in set) {
        needs.add(needKind(set.kind, '/in/set/kind'));
        if (set.key !== undefined) checkTemplate(set.key, '/in/set/key');
        else if (set.values.includes('{')) fail('/in/set/values', 'a templated values field needs a key (the one document to read it from)');
      }
      compiled.checkItem = item.inCheck(rule.in);
      compiled.primitive = 'in';
    } else if (rule.compare !== undefined) {
      checkOperand(rule.compare.left, '/compare/left');
      checkOperand(rule.compare.right, '/compare/right');
      compiled.checkItem = item.compareCheck(rule.compare);
      compiled.primitive = 'compare';
    } else if (rule.assert !== undefined) {
      walkCondition(rule.assert, '/assert');
      compiled.checkItem = item.assertCheck(rule.assert);
      compiled.primitive = 'assert';
    } else if (rule.aggregate !== undefined) {
      rule.aggregate.groupBy.forEach((template, i) => checkTemplate(template, `/aggregate/groupBy/${i}`));
      checkOperand(rule.aggregate.limit, '/aggregate/limit');
      if (rule.aggregate.severityFrom !== undefined) checkOperand(rule.aggregate.severityFrom.value, '/aggregate/severityFrom/value');
      compiled.checkAll = aggregateCheck(rule.aggregate);
      compiled.primitive = 'aggregate';
    } else if (rule.time !== undefined) {
      compiled.checkItem = item.timeCheck(rule.time);
      compiled.primitive = 'time';
    } else if (rule.secrets !== undefined) {
      compiled.checkItem = secretsCheck(rule.secrets);
      compiled.primitive = 'secrets';
    } else if (rule.sibling !== undefined) {
      checkTemplate(rule.sibling.file, '/sibling/file');
      compiled.checkItem = item.siblingCheck(rule.sibling);
      compiled.primitive = 'sibling';
    } else if (rule.unique !== undefined) {
      const idPointer = kinds.get(rule.kind)?.id;
      if (rule.unique.field === undefined && idPointer === undefined) fail('/unique', `kind "${rule.kind}" has no id pointer; give unique a field`);
      compiled.checkAll = uniqueCheck(rule.unique, idPointer);
      compiled.primitive = 'unique';
    } else if (rule.cel !== undefined) {
      addCel(rule.cel.expr, '/cel/expr');
      compiled.checkItem = item.celCheck(rule.cel);
      compiled.primitive = 'cel';
    } else if (rule.builtin !== undefined) {
      const builtin = BUILTIN_RULES.get(rule.builtin);
      if (builtin === undefined) fail('/builtin', `names the unknown built-in rule "${rule.builtin}"`, `built-in rules: ${[...BUILTIN_RULES.keys()].join(', ')}`);
      compiled.checkAll = builtin!.check;
      compiled.primitive = 'builtin';
      compiled.code = rule.code ?? builtin!.code;
      for (const kind of builtin!.kinds) needs.add(needKind(kind, '/builtin'));
    }
    compiled.code ||= DEFAULT_CODES[compiled.primitive] ?? 'RULE_FAILED';
    compiled.needs = [...needs];
    return compiled;
  });
  return { rules, cel };
}

export type { RuleConfig };

/** Each rule id of a config with the code of its first entry and its summary, for docs and tests. */
export function ruleCatalogue(config: ValidateConfig): { id: string; code: string; summary?: string }[] {
  const seen = new Map<string, { id: string; code: string; summary?: string }>();
  for (const rule of config.rules) {
    if (seen.has(rule.id)) continue;
    const primitive = RULE_PRIMITIVES.find((name) => (rule as unknown as Record<string, unknown>)[name] !== undefined);
    const builtin = rule.builtin === undefined ? undefined : BUILTIN_RULES.get(rule.builtin);
    const code = rule.code ?? builtin?.code ?? (primitive === undefined ? 'RULE_FAILED' : (DEFAULT_CODES[primitive] ?? 'RULE_FAILED'));
    const summary = rule.summary ?? builtin?.summary ?? rule.message;
    seen.set(rule.id, { id: rule.id, code, ...(summary === undefined ? {} : { summary }) });
  }
  return [...seen.values()];
}
