import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { usageError, type PacketError } from '../../core/errors.js';
import { SCHEMAS_DIR } from '../kinds.js';
import { locatePointer, parseContractText, type SourceDocument } from '../source.js';
import { RULE_PRIMITIVES, type ValidateConfig } from './types.js';

/** The config file a repository keeps at its root. */
export const CONFIG_FILE_NAME = 'packet.validate.yaml';
/** A config larger than this is refused. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** A loaded config with its source, so later checks (kinds, globs, CEL) can point at a line. */
export interface LoadedConfig {
  config: ValidateConfig;
  source: SourceDocument;
  /** Where relative paths in the config are taken from: the repository root. */
  root: string;
  /** The config file's absolute path, when it is a file of the repository (never a document itself). */
  path?: string;
}

let configValidator: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (configValidator !== undefined) return configValidator;
  // Compiled at build time (scripts/compile-validators.mjs); compiled here when running from the sources.
  const compiled = join(dirname(fileURLToPath(import.meta.url)), 'config-validator.cjs');
  if (existsSync(compiled)) {
    const module = createRequire(import.meta.url)(compiled) as { default?: ValidateFunction } & ValidateFunction;
    configValidator = module.default ?? module;
    return configValidator;
  }
  const { Ajv2020 } = createRequire(import.meta.url)('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  const ajv = new Ajv2020({ strict: false, allErrors: true, useDefaults: true, allowUnionTypes: true });
  const schema = JSON.parse(readFileSync(join(SCHEMAS_DIR, 'validate-config.schema.json'), 'utf8')) as object;
  configValidator = ajv.compile(schema);
  return configValidator;
}

/**
 * Read and check a config file: YAML or JSON, its JSON Schema (unknown fields are errors), then
 * the rules the schema cannot say (each rule has exactly one primitive). Any problem is a usage
 * error naming the file, line and column.
 */
export function loadConfigFile(file: string, root: string, displayName = file): LoadedConfig {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw usageError('CONFIG_UNREADABLE', `cannot read the validate config ${displayName}`, { cause: error, hint: 'pass --config FILE with a readable file' });
  }
  if (bytes.length > MAX_CONFIG_BYTES) throw usageError('CONFIG_TOO_LARGE', `config ${displayName} is larger than ${MAX_CONFIG_BYTES} bytes`, { file: displayName });
  return { ...parseConfigText(displayName, bytes, root), path: resolve(file) };
}

export function parseConfigText(file: string, bytes: Uint8Array, root: string): LoadedConfig {
  const parsed = parseContractText(file, bytes);
  if (!parsed.ok) {
    const { problem } = parsed;
    throw usageError('CONFIG_INVALID', `config is not valid: ${problem.message}`, {
      file,
      ...(problem.location.line === undefined ? {} : { line: problem.location.line, column: problem.location.column }),
    });
  }
  const source = parsed.source;
  const value = structuredClone(source.value) as Record<string, unknown>;
  const validate = validator();
  if (!validate(value)) throw configSchemaError(source, validate.errors ?? []);
  const config = { ...(value as unknown as Omit<ValidateConfig, 'origin'>), origin: file } as ValidateConfig;
  // Defaults the schema cannot fill through a $ref.
  for (const name of ['placeholder', 'inlineSecret'] as const) {
    const given: Partial<ValidateConfig['generic']['placeholder']> = config.generic[name] ?? {};
    config.generic[name] = { enabled: given.enabled ?? true, severity: given.severity ?? 'error', ignore: given.ignore ?? [] };
  }
  checkRuleShapes(config, source);
  return { config, source, root };
}

function checkRuleShapes(config: ValidateConfig, source: SourceDocument): void {
  config.rules.forEach((rule, index) => {
    const present = RULE_PRIMITIVES.filter((name) => (rule as unknown as Record<string, unknown>)[name] !== undefined);
    if (present.length !== 1) {
      throw configError(source, `/rules/${index}`, 'CONFIG_RULE_SHAPE', `rule "${rule.id}" must have exactly one of ${RULE_PRIMITIVES.join(', ')} (it has ${present.length === 0 ? 'none' : present.join(', ')})`);
    }
  });
}

/** A usage error located at a pointer of the config. */
export function configError(source: SourceDocument, pointer: string, code: string, message: string, hint?: string): PacketError {
  const location = locatePointer(source, pointer);
  return usageError(code, message, {
    file: source.file,
    ...(location.line === undefined ? {} : { line: location.line, column: location.column }),
    ...(hint === undefined ? {} : { hint }),
  });
}

/** The most useful schema error: an unknown field first (a typo), then the deepest one. */
function configSchemaError(source: SourceDocument, errors: ErrorObject[]): PacketError {
  const unknown = errors.find((error) => error.keyword === 'additionalProperties');
  if (unknown !== undefined) {
    const key = String((unknown.params as { additionalProperty: string }).additionalProperty);
    const location = locatePointer(source, unknown.instancePath, key);
    return usageError('CONFIG_UNKNOWN_FIELD', `unknown field "${key}" in the validate config${unknown.instancePath === '' ? '' : ` at ${unknown.instancePath}`}`, {
      file: source.file,
      ...(location.line === undefined ? {} : { line: location.line, column: location.column }),
      hint: 'remove it or fix its spelling; docs/validate-config.md lists every field',
    });
  }
  const relevant = errors.filter((error) => error.keyword !== 'oneOf' && error.keyword !== 'if');
  const deepest = [...(relevant.length > 0 ? relevant : errors)].sort((a, b) => b.instancePath.length - a.instancePath.length)[0]!;
  const params = deepest.params as Record<string, unknown>;
  let detail = deepest.message ?? 'is invalid';
  if (deepest.keyword === 'enum') detail = `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  if (deepest.keyword === 'required') detail = `needs the field "${String(params.missingProperty)}"`;
  return configError(source, deepest.instancePath, 'CONFIG_INVALID', `${deepest.instancePath || '(config)'} ${detail}`, 'docs/validate-config.md lists every field');
}
