import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Ajv2019 } from 'ajv/dist/2019.js';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import type { AnySchema, ValidateFunction } from 'ajv';
import { describeCause, usageError } from '../core/errors.js';
import type { Dialect } from './config/types.js';
import { isPrecompiledSchema, precompiledValidator, schemaDigest } from './package-schemas.js';

// Ajv is loaded on first use: a run whose schemas are all precompiled never loads it.
const require = createRequire(import.meta.url);
type AddFormats = (ajv: Ajv2019 | Ajv2020) => unknown;

function addFormats(ajv: Ajv2019 | Ajv2020): void {
  const plugin = require('ajv-formats') as AddFormats & { default?: AddFormats };
  (plugin.default ?? plugin)(ajv);
}

/**
 * The options scripts/compile-validators.mjs compiles the package schemas with, but without
 * Ajv's optimizing pass over the code it generates: schemas compiled at run time are used for one
 * run, where that pass costs more than it saves (compiling samakia-fabric's schemas took 42 ms
 * instead of 115, fastest of six runs each); the validators judge the same.
 */
const RUNTIME_OPTIONS = { strict: false, allErrors: true, validateFormats: true, allowUnionTypes: true, code: { optimize: false } } as const;

/** The `$schema` URIs of the dialects we validate with. */
const DIALECTS: Record<string, Dialect> = {
  'http://json-schema.org/draft-07/schema': 'draft-07',
  'https://json-schema.org/draft-07/schema': 'draft-07',
  'https://json-schema.org/draft/2019-09/schema': '2019-09',
  'https://json-schema.org/draft/2020-12/schema': '2020-12',
};

export function dialectOf(uri: string): Dialect | undefined {
  return DIALECTS[uri.replace(/#$/, '')];
}

/** One schema file, loaded: its key (its `$id`, or `file:///` and its path when it has none) and dialect. */
export interface LoadedSchema {
  /** Path as shown to the user. */
  file: string;
  /** Path relative to the repository root (or `package:...`), used to name it in the config. */
  rel: string;
  key: string;
  dialect: Dialect;
}

/**
 * Every schema of a run, loaded once into two validators: draft-07 and 2019-09 share one Ajv
 * instance (2019-09 can reference draft-07), 2020-12 has its own (the dialects cannot be mixed in
 * one instance). `$ref`s between schema files resolve by `$id`, or by path for schemas without one.
 * `format` is asserted. Each kind's validator compiles once, up front, so a schema that does not
 * compile or a `$ref` that does not resolve is reported before any document is read.
 * The package's own schemas, when loaded unchanged, use validators compiled at build time
 * (package-schemas.ts); they reach Ajv only if another schema needs them.
 */
export class SchemaSet {
  // Each instance is made on first use: most repositories use one dialect.
  private legacyAjv: Ajv2019 | undefined;
  private modernAjv: Ajv2020 | undefined;
  private readonly byRel = new Map<string, LoadedSchema>();
  private readonly byKey = new Map<string, LoadedSchema>();
  private readonly compiled = new Map<string, ValidateFunction>();
  /** The 2020-12 schemas by key, with the SHA-256 of their text. */
  private readonly modernDigests = new Map<string, string>();
  /** Precompiled schemas not yet given to the 2020-12 instance (it does not exist yet). */
  private readonly deferred: AnySchema[] = [];

  constructor(private readonly defaultDialect: Dialect) {}

  private get legacy(): Ajv2019 {
    if (this.legacyAjv === undefined) {
      const { Ajv2019 } = require('ajv/dist/2019.js') as typeof import('ajv/dist/2019.js');
      this.legacyAjv = new Ajv2019(RUNTIME_OPTIONS);
      this.legacyAjv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-07.json') as object);
      addFormats(this.legacyAjv);
    }
    return this.legacyAjv;
  }

  private get modern(): Ajv2020 {
    if (this.modernAjv === undefined) {
      const { Ajv2020 } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
      this.modernAjv = new Ajv2020(RUNTIME_OPTIONS);
      addFormats(this.modernAjv);
      // Checked against the meta-schema when they were precompiled: they cannot fail here.
      for (const schema of this.deferred.splice(0)) this.modernAjv.addSchema(schema);
    }
    return this.modernAjv;
  }

  /** Every schema file that was loaded, so the document walk can leave them out. */
  get files(): ReadonlySet<string> {
    return new Set([...this.byRel.values()].map((schema) => schema.file));
  }

  /** Read a schema file (bounded), decide its dialect, and add it. Problems are usage errors naming the schema. */
  add(file: string, rel: string, maxBytes: number): LoadedSchema {
    const text = readBounded(file, maxBytes);
    let schema: unknown;
    try {
      schema = JSON.parse(text);
    } catch (error) {
      throw usageError('SCHEMA_INVALID', `schema ${file} is not valid JSON: ${describeCause(error)}`, { file });
    }
    if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
      throw usageError('SCHEMA_INVALID', `schema ${file} is not a JSON object`, { file });
    }
    const record = schema as Record<string, unknown>;
    const declared = record.$schema;
    const dialect = declared === undefined ? this.defaultDialect : typeof declared === 'string' ? dialectOf(declared) : undefined;
    if (dialect === undefined) {
      throw usageError('SCHEMA_DIALECT_UNKNOWN', `schema ${file} declares the unknown dialect ${JSON.stringify(declared)}`, {
        file,
        hint: 'use draft-07, 2019-09 or 2020-12 ($schema), or remove $schema and set schemas.defaultDialect',
      });
    }
    const ownId = typeof record.$id === 'string' && record.$id !== '' ? record.$id : undefined;
    const key = ownId ?? `file:///${rel.replace(/^package:/, 'package/')}`;
    if (this.byKey.has(key)) {
      throw usageError('SCHEMA_DUPLICATE_ID', `schemas ${this.byKey.get(key)!.file} and ${file} have the same $id ${key}`, { file });
    }
    const copy = ownId === undefined ? { ...record, $id: key } : record;
    const digest = dialect === '2020-12' ? schemaDigest(text) : undefined;
    if (digest !== undefined) this.modernDigests.set(key, digest);
    if (digest !== undefined && this.modernAjv === undefined && isPrecompiledSchema(key, digest)) {
      this.deferred.push(copy as AnySchema);
    } else {
      try {
        (dialect === '2020-12' ? this.modern : this.legacy).addSchema(copy as AnySchema);
      } catch (error) {
        throw usageError('SCHEMA_INVALID', `schema ${file} is not a valid ${dialect} schema: ${firstLine(error)}`, { file });
      }
    }
    const loaded: LoadedSchema = { file, rel, key, dialect };
    this.byRel.set(rel, loaded);
    this.byKey.set(key, loaded);
    return loaded;
  }

  /** The loaded schema a kind names: by path (relative to the root) or by `$id`. */
  find(reference: string): LoadedSchema | undefined {
    return this.byRel.get(reference.replace(/^\.\//, '')) ?? this.byKey.get(reference);
  }

  /** Compile a schema's validator (once). Throws a usage error naming the schema on a bad `$ref` or keyword. */
  validator(schema: LoadedSchema): ValidateFunction {
    const cached = this.compiled.get(schema.key);
    if (cached !== undefined) return cached;
    let validate = schema.dialect === '2020-12' ? precompiledValidator(schema.key, this.modernDigests) : undefined;
    if (validate === undefined) validate = this.compile(schema);
    if (validate === undefined) throw usageError('SCHEMA_INVALID', `schema ${schema.file} could not be compiled`, { file: schema.file });
    this.compiled.set(schema.key, validate);
    return validate;
  }

  private compile(schema: LoadedSchema): ValidateFunction | undefined {
    try {
      return (schema.dialect === '2020-12' ? this.modern : this.legacy).getSchema(schema.key);
    } catch (error) {
      const missing = (error as { missingRef?: string }).missingRef;
      throw usageError(missing === undefined ? 'SCHEMA_INVALID' : 'SCHEMA_REF_UNRESOLVED', `schema ${schema.file} does not compile: ${firstLine(error)}`, {
        file: schema.file,
        hint: missing === undefined ? undefined : 'add the referenced schema to schemas.include (schemas of different dialects cannot reference each other across 2020-12 and older drafts)',
      });
    }
  }
}

function readBounded(file: string, maxBytes: number): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const { size } = fstatSync(fd);
    if (size > maxBytes) throw usageError('SCHEMA_TOO_LARGE', `schema ${file} is ${size} bytes, more than the limit of ${maxBytes} (schemas.maxBytes)`, { file });
    const buffer = Buffer.alloc(size);
    let length = 0;
    while (length < size) {
      const read = readSync(fd, buffer, length, size - length, null);
      if (read === 0) break;
      length += read;
    }
    return buffer.subarray(0, length).toString('utf8');
  } catch (error) {
    if (error instanceof Error && error.name === 'PacketError') throw error;
    throw usageError('SCHEMA_UNREADABLE', `cannot read schema ${file}`, { file, cause: error });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function firstLine(error: unknown): string {
  return describeCause(error).split('\n')[0]!;
}
