import { validateTrustPolicyFile } from '../trust/index.js';
import type { ErrorObject } from 'ajv';
import { fail, makeReport, pass, type Check, type Report } from '../core/result.js';
import { formatRfc3339 } from '../core/time.js';
import { collectContractFiles } from './collect.js';
import { defaultKindRegistry, type KindRegistry } from './kinds.js';
import { DOCUMENT_RULES, SEMANTIC_RULES, type ContractSet, type Finding, type Loaded, type RuleContext } from './rules/index.js';
import { loadContractFiles } from './parse-pool.js';
import { locatePointer, type SourceDocument } from './source.js';
import type { Binding, Capacity, Proposal, Tenant } from './types.js';
import { proposalContentHash } from './hash.js';

export interface ValidateOptions {
  /** Evaluation time: proposal expiry and approval times are judged at it. */
  now: Date;
  /** Treat warnings (warn-on-exceed) as failures. */
  strict?: boolean;
  /** Another kind registry (tests, extra schemas); defaults to the bundled schemas. */
  registry?: KindRegistry;
  /** Most worker threads to parse with (default: one per CPU; 1 parses in this thread). */
  workers?: number;
}

/**
 * Validate contract files and folders: parse each file (YAML or JSON, with positions), check it
 * against its kind's JSON Schema, then run the semantic rules across all schema-valid documents.
 * Returns the shared Report (command `validate`); every problem is a check with a location.
 */
export async function validateContracts(paths: readonly string[], options: ValidateOptions): Promise<Report> {
  const files = await collectContractFiles(paths);
  const registry = options.registry ?? defaultKindRegistry();
  const sources = await loadContractFiles(files, options.workers);
  const checks: Check[] = [];
  const set: ContractSet = { tenants: [], bindings: [], capacities: [], proposals: [] };
  const documentFindings = new Map<string, Finding[]>(DOCUMENT_RULES.map((rule) => [rule.id, []]));

  for (const [index, loaded] of sources.entries()) {
    const file = files[index]!;
    if (!loaded.ok) {
      const { problem } = loaded;
      checks.push(fail('document.parse', problem.code, problem.message, { location: problem.location, subject: file, ...(problem.cause === undefined ? {} : { cause: problem.cause }) }));
      continue;
    }
    const source = loaded.source;
    for (const rule of DOCUMENT_RULES) documentFindings.get(rule.id)!.push(...rule.check(source));
    const kind = kindOf(source.value);
    if (kind === undefined) {
      checks.push(fail('document.kind', 'KIND_MISSING', 'document is not a mapping with a string "kind"', { location: locatePointer(source, ''), subject: file, hint: `set kind to one of ${registry.knownKinds().join(', ')}` }));
      continue;
    }
    const validate = registry.validatorFor(kind);
    if (validate === undefined) {
      checks.push(fail('document.kind', 'UNKNOWN_KIND', `kind "${kind}" is not a known contract kind`, { location: locatePointer(source, '/kind'), subject: file, hint: `use one of ${registry.knownKinds().join(', ')}` }));
      continue;
    }
    if (!validate(source.value)) {
      checks.push(...(validate.errors ?? []).map((error) => schemaCheck(source, kind, error)));
      continue;
    }
    checks.push(pass('schema', `${kind} matches its schema`, { subject: file, location: { file } }));
    if (kind === 'TrustPolicy') {
      // Rules beyond the schema (a fingerprint pinned to two people, a role nobody holds, key files).
      checks.push(...(await validateTrustPolicyFile(file)).checks.filter((check) => check.status !== 'pass'));
      continue;
    }
    addToSet(set, kind, source);
  }

  for (const rule of DOCUMENT_RULES) checks.push(...ruleChecks(rule.id, rule.code, documentFindings.get(rule.id)!));
  const context = ruleContext(set, options.now);
  for (const rule of SEMANTIC_RULES) checks.push(...ruleChecks(rule.id, rule.code, rule.check(context)));

  return makeReport({
    command: 'validate',
    subject: paths.join(' '),
    evaluatedAt: formatRfc3339(options.now),
    checks,
    strict: options.strict === true,
    facts: {
      files: files.length,
      documents: { tenants: set.tenants.length, bindings: set.bindings.length, capacities: set.capacities.length, proposals: set.proposals.length },
    },
  });
}

function kindOf(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const kind = (value as Record<string, unknown>).kind;
  return typeof kind === 'string' ? kind : undefined;
}

function addToSet(set: ContractSet, kind: string, source: SourceDocument): void {
  const entry = { doc: source.value, source } as Loaded<never>;
  if (kind === 'Tenant') set.tenants.push(entry);
  else if (kind === 'Binding') set.bindings.push(entry);
  else if (kind === 'Capacity') set.capacities.push(entry);
  else if (kind === 'Proposal') set.proposals.push(entry);
}

function ruleContext(set: ContractSet, now: Date): RuleContext {
  const tenants = new Map<string, Loaded<Tenant>>();
  for (const tenant of set.tenants) if (!tenants.has(tenant.doc.id)) tenants.set(tenant.doc.id, tenant);
  const capacities = new Map<string, Loaded<Capacity>>();
  for (const capacity of set.capacities) if (!capacities.has(capacity.doc.tenant)) capacities.set(capacity.doc.tenant, capacity);
  const bindings = new Map<string, Loaded<Binding>>();
  for (const binding of set.bindings) if (!bindings.has(binding.doc.id)) bindings.set(binding.doc.id, binding);
  const hashes = new Map<Loaded<Proposal>, string>();
  return {
    set,
    now,
    tenant: (id) => tenants.get(id),
    capacity: (id) => capacities.get(id),
    binding: (id) => bindings.get(id),
    contentHash(proposal) {
      let hash = hashes.get(proposal);
      if (hash === undefined) {
        hash = proposalContentHash(proposal.source.value as Record<string, unknown>);
        hashes.set(proposal, hash);
      }
      return hash;
    },
  };
}

/** A rule's findings as checks, or one passing check when it found nothing. */
function ruleChecks(id: string, code: string, findings: Finding[]): Check[] {
  if (findings.length === 0) return [pass(id, 'no problem found')];
  return findings.map((finding) => {
    const check: Check = {
      id,
      status: finding.status,
      code: finding.code ?? code,
      message: finding.message,
      location: locatePointer(finding.source, finding.pointer, finding.key),
    };
    if (finding.data?.line !== undefined && finding.pointer === '' && id === 'secret.inline') {
      check.location = { file: finding.source.file, line: finding.data.line as number, column: finding.data.column as number };
    }
    if (finding.subject !== undefined) check.subject = finding.subject;
    if (finding.hint !== undefined) check.hint = finding.hint;
    if (finding.data !== undefined) check.data = finding.data;
    return check;
  });
}

/** One ajv error as a check located at the offending node (the key, for unknown properties). */
function schemaCheck(source: SourceDocument, kind: string, error: ErrorObject): Check {
  const params = error.params as Record<string, unknown>;
  let key: string | undefined;
  let message = `${error.instancePath || '(document)'} ${error.message ?? 'is invalid'}`;
  let hint: string | undefined;
  if (error.keyword === 'additionalProperties') {
    key = String(params.additionalProperty);
    message = `unknown field "${key}" in ${kind}${error.instancePath === '' ? '' : ` at ${error.instancePath}`}`;
    hint = 'remove it or fix its spelling (unknown fields are errors)';
  } else if (error.keyword === 'required') {
    message = `missing required field "${String(params.missingProperty)}" in ${kind}${error.instancePath === '' ? '' : ` at ${error.instancePath}`}`;
  } else if (error.keyword === 'enum') {
    message = `${error.instancePath} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  } else if (error.keyword === 'const') {
    message = `${error.instancePath || '(document)'} must be ${JSON.stringify(params.allowedValue)}`;
  } else if (error.keyword === 'format') {
    message = `${error.instancePath} must be a valid ${String(params.format)}`;
  }
  const check = fail('schema', `SCHEMA_${error.keyword.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`, message, {
    location: locatePointer(source, error.instancePath, key),
    subject: source.file,
    data: { keyword: error.keyword, schemaPath: error.schemaPath, kind },
  });
  if (hint !== undefined) check.hint = hint;
  return check;
}
