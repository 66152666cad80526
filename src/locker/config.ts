/**
 * The locker file: where packets are kept and for how long. Read bounded, parsed as YAML (JSON is
 * YAML) with positions, validated against schemas/locker.schema.json; every problem is a usage
 * error at file:line (column in the message), since the file is what the user passed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { describeCause, usageError } from '../core/errors.js';
import type { RetentionMode } from './backend.js';

export const MAX_LOCKER_FILE_BYTES = 256 * 1024;

export interface RetentionRule {
  match: { tenant?: string; environment?: string };
  mode: RetentionMode;
  days: number;
}

export interface LockerConfig {
  /** The locker file, absolute; undefined for a folder named on the command line. */
  source?: string;
  backend: 'folder' | 's3';
  folder?: { path: string };
  s3?: S3Settings;
  retention: {
    default: { mode: RetentionMode; days: number };
    rules: RetentionRule[];
    legalHoldOnPush: boolean;
  };
  /** Time-stamp every ledger entry with this TSA (its replies must chain to `caFile`). */
  ledgerTsa?: { url: string; caFile: string; timeoutMs: number };
}

export interface S3Settings {
  endpoint?: string;
  region: string;
  bucket: string;
  prefix: string;
  pathStyle: boolean;
  profile?: string;
  allowWithoutObjectLock: boolean;
  partSizeMiB: number;
  queueSize: number;
  /** Seconds to make a connection (the locker file's default: 10). */
  connectTimeoutSeconds: number;
  /** Seconds a request may go without a byte sent or received (the locker file's default: 120). */
  idleTimeoutSeconds: number;
}

let compiled: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  if (compiled !== undefined) return compiled;
  // Compiled at build time (scripts/compile-validators.mjs), so a locker command neither loads nor
  // runs Ajv's compiler; compiled here when running from the sources.
  const require = createRequire(import.meta.url);
  const prebuilt = join(dirname(fileURLToPath(import.meta.url)), 'locker-validator.cjs');
  if (existsSync(prebuilt)) {
    const module = require(prebuilt) as { default?: ValidateFunction } & ValidateFunction;
    compiled = module.default ?? module;
    return compiled;
  }
  const { Ajv2020 } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  const schema = JSON.parse(readFileSync(new URL('../../schemas/locker.schema.json', import.meta.url), 'utf8')) as object;
  compiled = new Ajv2020({ strict: true, allErrors: true }).compile(schema);
  return compiled;
}

/** Load and check a locker file; throws a usage error at file:line for the first problem. */
export async function loadLockerConfig(path: string): Promise<LockerConfig> {
  const file = resolve(path);
  let text: string;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a regular file');
    if (info.size > MAX_LOCKER_FILE_BYTES) throw new Error(`${info.size} bytes; the limit is ${MAX_LOCKER_FILE_BYTES}`);
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw usageError('LOCKER_FILE_UNREADABLE', `cannot read the locker file: ${describeCause(error)}`, { file: path, hint: 'check the --locker path' });
  }
  return parseLockerConfig(text, path, dirname(file));
}

/** Parse locker-file text; `base` is the folder relative paths are resolved against. */
export function parseLockerConfig(text: string, name: string, base: string): LockerConfig {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const problem = (code: string, message: string, where: { line: number; col: number } | undefined) =>
    usageError(code, where === undefined ? message : `column ${where.col}: ${message}`, {
      file: name,
      ...(where === undefined ? {} : { line: where.line }),
      hint: 'fix the locker file; its schema is schemas/locker.schema.json (see docs/locker.md)',
    });
  const first = document.errors[0];
  if (first !== undefined) throw problem('LOCKER_FILE_SYNTAX', first.message.split('\n')[0] ?? 'syntax error', lineCounter.linePos(first.pos[0]));
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: 0 });
  } catch (error) {
    throw problem('LOCKER_FILE_SYNTAX', describeCause(error), undefined);
  }
  const validate = schemaValidator();
  if (!validate(data)) {
    const errors = validate.errors ?? [];
    // An unknown field is the most useful to point at; `if/then` wrappers the least.
    const error = errors.find((e) => e.keyword === 'additionalProperties') ?? errors.find((e) => e.keyword !== 'if') ?? errors[0];
    if (error === undefined) throw problem('LOCKER_FILE_SCHEMA', 'the locker file is invalid', undefined);
    throw problem('LOCKER_FILE_SCHEMA', schemaMessage(error), positionOf(document, lineCounter, error));
  }
  return toConfig(data as RawLocker, base);
}

interface RawLocker {
  backend: 'folder' | 's3';
  folder?: { path: string };
  s3?: Partial<S3Settings> & { region: string; bucket: string };
  retention: { default: { mode: RetentionMode; days: number }; rules?: RetentionRule[]; legalHoldOnPush?: boolean };
  ledger?: { tsa?: { url: string; ca: string; timeoutSeconds?: number } };
}

function toConfig(raw: RawLocker, base: string): LockerConfig {
  const config: LockerConfig = {
    backend: raw.backend,
    retention: { default: raw.retention.default, rules: raw.retention.rules ?? [], legalHoldOnPush: raw.retention.legalHoldOnPush === true },
  };
  const tsa = raw.ledger?.tsa;
  if (tsa !== undefined) config.ledgerTsa = { url: tsa.url, caFile: resolve(base, tsa.ca), timeoutMs: (tsa.timeoutSeconds ?? 10) * 1000 };
  if (raw.folder !== undefined) config.folder = { path: resolve(base, raw.folder.path) };
  if (raw.s3 !== undefined) {
    const s3 = raw.s3;
    config.s3 = {
      region: s3.region,
      bucket: s3.bucket,
      prefix: s3.prefix ?? '',
      pathStyle: s3.pathStyle === true,
      allowWithoutObjectLock: s3.allowWithoutObjectLock === true,
      partSizeMiB: s3.partSizeMiB ?? 8,
      queueSize: s3.queueSize ?? 4,
      connectTimeoutSeconds: s3.connectTimeoutSeconds ?? 10,
      idleTimeoutSeconds: s3.idleTimeoutSeconds ?? 120,
      ...(s3.endpoint === undefined ? {} : { endpoint: s3.endpoint }),
      ...(s3.profile === undefined ? {} : { profile: s3.profile }),
    };
  }
  return config;
}

/** A folder locker named on the command line (`--folder DIR`): used for mirrors and the demo. */
export function folderLockerConfig(path: string, retention: LockerConfig['retention'] = DEFAULT_FOLDER_RETENTION): LockerConfig {
  return { backend: 'folder', folder: { path: resolve(path) }, retention };
}

export const DEFAULT_FOLDER_RETENTION: LockerConfig['retention'] = { default: { mode: 'GOVERNANCE', days: 1 }, rules: [], legalHoldOnPush: false };

/** The retention for a packet: the first rule that matches its tenant and environment, else the default. */
export function retentionFor(config: LockerConfig, tenant: string | undefined, environment: string | undefined): { mode: RetentionMode; days: number } {
  for (const rule of config.retention.rules) {
    if (rule.match.tenant !== undefined && rule.match.tenant !== tenant) continue;
    if (rule.match.environment !== undefined && rule.match.environment !== environment) continue;
    return { mode: rule.mode, days: rule.days };
  }
  return config.retention.default;
}

function schemaMessage(error: ErrorObject): string {
  const at = error.instancePath === '' ? 'the locker file' : error.instancePath;
  if (error.keyword === 'additionalProperties') return `${at}: unknown field "${String(error.params.additionalProperty)}"`;
  if (error.keyword === 'required') return `${at}: missing field "${String(error.params.missingProperty)}"`;
  if (error.keyword === 'enum') return `${at}: must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  return `${at}: ${error.message ?? 'is invalid'}`;
}

/** Line and column of the offending key (unknown field) or value, else its nearest existing parent. */
function positionOf(document: Document, lineCounter: LineCounter, error: ErrorObject): { line: number; col: number } | undefined {
  const segments = error.instancePath === '' ? [] : error.instancePath.slice(1).split('/').map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: unknown = document.contents;
  for (const segment of segments) {
    const next = isMap(node) ? node.get(segment, true) : isSeq(node) ? node.get(Number(segment), true) : undefined;
    if (next === undefined || next === null) break;
    node = next;
  }
  if (error.keyword === 'additionalProperties' && isMap(node)) {
    const field = String(error.params.additionalProperty);
    const pair = node.items.find((item) => (item.key as { value?: unknown } | null)?.value === field);
    const range = (pair?.key as { range?: [number, number, number] } | null)?.range;
    if (range !== undefined) return lineCounter.linePos(range[0]);
  }
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range === undefined ? undefined : lineCounter.linePos(range[0]);
}
