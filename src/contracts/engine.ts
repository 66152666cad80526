import { statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { inputError, PacketError, usageError } from '../core/errors.js';
import { MAX_CONTRACT_FILES } from './collect.js';
import { makeReport, type Check, type Report } from '../core/result.js';
import { formatRfc3339 } from '../core/time.js';
import { configError, type LoadedConfig } from './config/load.js';
import type { KindConfig } from './config/types.js';
import { compileRules } from './declared/compile.js';
import { runRules } from './declared/run.js';
import { matchKind } from './classify.js';
import { genericChecks, textScanNeedsPointers } from './generic.js';
import { scanContractText, type TextFinding } from './text-scan.js';
import { loadDataInputs } from './data-inputs.js';
import { SCHEMAS_DIR } from './kinds.js';
import { ContractLoader } from './load-pool.js';
import { locatePointer, type SourceDocument } from './source.js';
import { globTest, hasExtension, toRel, walkFiles } from './repo-files.js';
import { SchemaSet, type LoadedSchema } from './schema-set.js';
import { schemaChecks } from './schema-checks.js';
import { pathPart, type KindDocument } from './declared/select.js';

/** The folder the tool is installed in: `package:` paths in a config start here. */
export const PACKAGE_ROOT = dirname(SCHEMAS_DIR);

export interface EngineOptions {
  now: Date;
  strict?: boolean;
  /** Files or folders named on the command line; without them the whole root is walked. */
  paths?: readonly string[];
  /** Read and parse the files in a worker thread: true always, false never; by default for large sets with CPUs to spare (load-pool.ts). */
  loadThread?: boolean;
  /** How the report names what was checked. */
  subject?: string;
  /** When set, PATHs that hold no candidate file are a usage error with this hint (not a failed report). */
  emptyPathsHint?: string;
}

/**
 * Validate a repository with a config: walk it once, load the schemas, claim each document for
 * the first kind that matches, check it against its kind's schema, run the generic checks and the
 * declared rules, and return one report. Config problems are usage errors at the config's line.
 */
export async function validateWithConfig(loaded: LoadedConfig, options: EngineOptions): Promise<Report> {
  const { config, source, root } = loaded;
  const atWorkingFolder = root === '.' || resolve(root) === resolve('.');
  const display = (rel: string): string => (isAbsolute(rel) || atWorkingFolder ? rel : join(root, rel));
  const absoluteRoot = resolve(root);
  const walked = options.paths === undefined || config.schemas.include.some((glob) => !withoutMark(glob).startsWith('package:')) ? walkFiles(absoluteRoot) : [];
  const schemas = loadSchemas(loaded, walked, absoluteRoot);
  const kindSchemas = compileKindSchemas(loaded, schemas);
  const compiled = compileRules(config, source);
  const data = loadDataInputs(loaded, absoluteRoot);

  const files = documentFiles(loaded, walked, schemas.files, options.paths, absoluteRoot).map((rel) => ({ rel, file: display(rel) }));
  if (files.length === 0 && options.paths !== undefined && options.emptyPathsHint !== undefined) {
    throw usageError('NO_CONTRACTS', `no contract files (${config.documents.extensions.join(', ')}) under ${options.paths.join(' ')}`, { hint: options.emptyPathsHint });
  }
  if (files.length > MAX_CONTRACT_FILES) {
    throw inputError('TOO_MANY_FILES', `${files.length} documents match, more than the limit of ${MAX_CONTRACT_FILES}`, { hint: 'narrow documents.include, or exclude generated folders' });
  }
  const loader = new ContractLoader(
    {
      files: files.map((f) => f.file),
      maxBytes: config.documents.maxBytes,
      parse: { yamlVersion: config.documents.yaml.version, maxAliases: config.documents.yaml.maxAliases },
    },
    options.loadThread,
  );
  try {
    const checks: Check[] = [];
    const valid = new Map<string, KindDocument[]>(config.kinds.map((kind) => [kind.name, []]));
    const counts = new Map<string, number>(config.kinds.map((kind) => [kind.name, 0]));
    const claimed: KindDocument[] = [];
    // The inline-secret rule's scan of each claimed document's whole text, made as it is claimed (while the worker, if any, reads ahead).
    const scan = config.generic.inlineSecret.enabled ? { pointers: textScanNeedsPointers(config) } : undefined;
    const textHits: TextFinding[][] = [];
    for (const [index, { rel, file }] of files.entries()) {
      const result = loader.take(index) ?? (await loader.load(index));
      if (!result.ok) {
        const { problem } = result;
        checks.push({ id: 'document.parse', status: 'fail', code: problem.code, message: problem.message, location: problem.location, subject: file, ...(problem.cause === undefined ? {} : { cause: problem.cause }) });
        continue;
      }
      const kind = matchKind(config.kinds, rel, result.source.value);
      if (kind === undefined) {
        const check = unmatchedCheck(loaded, rel, result.source);
        if (check !== undefined) checks.push(check);
        continue;
      }
      counts.set(kind.name, counts.get(kind.name)! + 1);
      const doc: KindDocument = { kind: kind.name, source: result.source, rel, id: idOf(kind, result.source.value, rel) };
      if (scan !== undefined) textHits.push(scanContractText(doc.source.text, scan.pointers ? () => doc.source.syntax() : undefined));
      claimed.push(doc);
      const schema = kindSchemas.get(kind.name);
      const problems =
        schema !== undefined
          ? schemaChecks(doc, schemas.validator(schema), schema)
          : kind.schema !== undefined
            ? [{ id: 'schema', status: 'fail' as const, code: 'SCHEMA_MISSING', message: `the schema ${kind.schema} of kind ${kind.name} was not loaded`, subject: file, location: { file }, hint: 'check schemas.include' }]
            : [];
      checks.push(...problems);
      if (problems.length === 0) {
        if (schema !== undefined) checks.push({ id: 'schema', status: 'pass', code: 'OK', message: `${kind.name} matches its schema`, subject: file, location: { file } });
        valid.get(kind.name)!.push(doc);
      }
    }
    const ruleChecks = await runRules(compiled, { config, root: absoluteRoot, now: options.now, valid, data });
    // The report keeps the generic checks before the rules'.
    checks.push(...genericChecks(config, claimed, (index) => textHits[index] ?? []));
    if (claimed.length === 0) {
      checks.push({
        id: 'documents',
        status: 'fail',
        code: 'NO_DOCUMENTS',
        message: `no document matched any kind of ${config.origin} (${files.length} candidate file${files.length === 1 ? '' : 's'})`,
        hint: 'check documents.include and each kind\'s match in the config, or run from the repository root',
      });
    }
    checks.push(...ruleChecks);
    return makeReport({
      command: 'validate',
      subject: options.subject ?? (options.paths?.join(' ') || root),
      evaluatedAt: formatRfc3339(options.now),
      checks,
      strict: options.strict === true,
      facts: { config: config.origin, files: files.length, documents: Object.fromEntries(counts), valid: Object.fromEntries([...valid].map(([k, v]) => [k, v.length])) },
    });
  } finally {
    loader.close();
  }
}

function loadSchemas(loaded: LoadedConfig, walked: readonly string[], absoluteRoot: string): SchemaSet {
  const { config, source } = loaded;
  const schemas = new SchemaSet(config.schemas.defaultDialect);
  let packageFiles: string[] | undefined;
  config.schemas.include.forEach((entry, index) => {
    const optional = entry.startsWith('?');
    const glob = optional ? entry.slice(1) : entry;
    const inPackage = glob.startsWith('package:');
    const base = inPackage ? PACKAGE_ROOT : absoluteRoot;
    if (inPackage) packageFiles ??= walkFiles(join(PACKAGE_ROOT, 'schemas')).map((rel) => `schemas/${rel}`);
    const test = globTest([inPackage ? glob.slice('package:'.length) : glob]);
    const matched = (inPackage ? packageFiles! : walked).filter(test);
    if (matched.length === 0 && !optional) throw configError(source, `/schemas/include/${index}`, 'CONFIG_GLOB_EMPTY', `the schema glob "${glob}" matches no file`, 'fix the glob, or run from the repository root');
    for (const rel of matched) {
      const key = inPackage ? `package:${rel}` : rel;
      if (schemas.find(key) !== undefined) continue;
      try {
        schemas.add(join(base, rel), key, config.schemas.maxBytes);
      } catch (error) {
        throw relocate(error, loaded, `/schemas/include/${index}`);
      }
    }
  });
  return schemas;
}

function compileKindSchemas(loaded: LoadedConfig, schemas: SchemaSet): Map<string, LoadedSchema> {
  const result = new Map<string, LoadedSchema>();
  loaded.config.kinds.forEach((kind, index) => {
    if (kind.schema === undefined) return;
    const schema = schemas.find(kind.schema);
    // An optional kind's schema may come from an optional glob: its documents then fail (SCHEMA_MISSING).
    if (schema === undefined && kind.optional === true) return;
    if (schema === undefined) throw configError(loaded.source, `/kinds/${index}/schema`, 'CONFIG_SCHEMA_UNKNOWN', `kind "${kind.name}" names the schema "${kind.schema}", which schemas.include did not load`, 'name a loaded schema by its path from the root, or by its $id');
    try {
      schemas.validator(schema);
    } catch (error) {
      throw relocate(error, loaded, `/kinds/${index}/schema`);
    }
    result.set(kind.name, schema);
  });
  return result;
}

/** A schema problem reported at the config line that led to it, naming the schema file too. */
function relocate(error: unknown, loaded: LoadedConfig, pointer: string): unknown {
  if (!(error instanceof PacketError)) return error;
  const located = configError(loaded.source, pointer, error.code, error.message, error.hint);
  return located;
}

function documentFiles(loaded: LoadedConfig, walked: readonly string[], schemaFiles: ReadonlySet<string>, paths: readonly string[] | undefined, absoluteRoot: string): string[] {
  const { documents } = loaded.config;
  const include = globTest(documents.include.map(withoutMark));
  const exclude = globTest(documents.exclude);
  // Schemas, data lists and the config itself are inputs of the run, never documents.
  const dataFiles = new Set(Object.values(loaded.config.data).flatMap((spec) => ('list' in spec ? [join(absoluteRoot, spec.list)] : [])));
  const isSchema = (rel: string): boolean => {
    if (rel.endsWith('.schema.json')) return true;
    const absolute = join(absoluteRoot, rel);
    return schemaFiles.has(absolute) || absolute === loaded.path || dataFiles.has(absolute);
  };
  if (paths === undefined) {
    documents.include.forEach((glob, index) => {
      if (!glob.startsWith('?') && !walked.some(globTest([glob]))) throw configError(loaded.source, `/documents/include/${index}`, 'CONFIG_GLOB_EMPTY', `the document glob "${glob}" matches no file`, 'fix the glob, or run from the repository root');
    });
    return walked.filter((rel) => hasExtension(rel, documents.extensions) && include(rel) && !exclude(rel) && !isSchema(rel));
  }
  const files = new Set<string>();
  for (const path of paths) {
    const absolute = resolve(path);
    let info;
    try {
      info = statSync(absolute);
    } catch {
      throw usageError('PATH_NOT_FOUND', `path "${path}" does not exist`, { hint: 'name contract files or folders that exist' });
    }
    const inside = toRel(absoluteRoot, absolute);
    const outside = inside.startsWith('../') || isAbsolute(inside);
    if (info.isFile()) {
      files.add(outside ? absolute : inside);
      continue;
    }
    for (const rel of walkFiles(absolute)) {
      const matchPath = outside ? rel : inside === '' ? rel : `${inside}/${rel}`;
      if (!hasExtension(rel, documents.extensions) || !include(matchPath) || exclude(matchPath) || isSchema(matchPath)) continue;
      files.add(outside ? join(absolute, rel) : matchPath);
    }
  }
  return [...files].sort();
}

/** A leading `?` marks a glob that may match nothing (a folder that exists only on some checkouts). */
function withoutMark(glob: string): string {
  return glob.startsWith('?') ? glob.slice(1) : glob;
}

function unmatchedCheck(loaded: LoadedConfig, rel: string, source: SourceDocument): Check | undefined {
  const mode = loaded.config.documents.unmatched;
  if (mode === 'ignore') return undefined;
  const value = source.value as Record<string, unknown> | null;
  const kind = value !== null && typeof value === 'object' && !Array.isArray(value) ? value.kind : undefined;
  const names = loaded.config.kinds.map((k) => k.name).join(', ');
  return {
    id: 'document.kind',
    status: mode === 'error' ? 'fail' : 'warn',
    code: typeof kind === 'string' ? 'UNKNOWN_KIND' : 'KIND_MISSING',
    message: typeof kind === 'string' ? `kind "${kind}" is not a kind of ${loaded.config.origin}` : `no kind of ${loaded.config.origin} claims this document (${rel})`,
    subject: source.file,
    location: locatePointer(source, typeof kind === 'string' ? '/kind' : ''),
    hint: `kinds: ${names}; add a kind whose match claims it, or exclude the file (documents.exclude)`,
  };
}

function idOf(kind: KindConfig, value: unknown, rel: string): string | undefined {
  if (kind.id === undefined) return undefined;
  if (kind.id.startsWith('$')) return pathPart(rel, kind.id.slice(1));
  let current = value;
  for (const part of kind.id === '' ? [] : kind.id.slice(1).split('/')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return typeof current === 'string' || typeof current === 'number' ? String(current) : undefined;
}
