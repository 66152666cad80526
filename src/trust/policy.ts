/**
 * Loading a trust policy: read (bounded), parse YAML or JSON with positions, validate against
 * schemas/trust-policy.schema.json (compiled once), then the rules a schema cannot express, then
 * the files it names (public keys, TSA roots) relative to the policy file. Every problem becomes
 * a check with a file/line location; nothing stops at the first one.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { PacketError } from '../core/errors.js';
import { fail, type Check, type SourceLocation } from '../core/result.js';
import { errorText, KeyRuleError, normalizeFingerprint, primaryFingerprint, readPublicKey } from '../signing/keys.js';
import { TrustCode } from './codes.js';
import { matchRolesToPeople } from './matching.js';
import type { PolicySigner, TrustedTsa, TrustPolicy } from './policy-types.js';
import { plural } from '../core/plural.js';

export const MAX_POLICY_BYTES = 1024 * 1024;
const MAX_REFERENCED_FILE_BYTES = 1024 * 1024;
export const TRUST_POLICY_SCHEMA_ID = 'https://evidence-packet.dev/schemas/trust-policy.schema.json';

let compiled: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  if (compiled === undefined) {
    const schemaPath = new URL('../../schemas/trust-policy.schema.json', import.meta.url);
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as object;
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    compiled = ajv.compile(schema);
  }
  return compiled;
}

/** A policy that cannot be used; `checks` lists every problem found, with locations. */
export class TrustPolicyError extends PacketError {
  constructor(readonly checks: Check[], file: string) {
    const first = checks[0];
    const more = checks.length > 1 ? ` (and ${checks.length - 1} more problem${checks.length > 2 ? 's' : ''})` : '';
    super('input', first?.code ?? TrustCode.POLICY_SCHEMA, `trust policy: ${first?.message ?? 'invalid'}${more}`, {
      file,
      ...(first?.location?.line !== undefined ? { line: first.location.line } : {}),
      hint:
        first?.code === TrustCode.POLICY_UNREADABLE
          ? 'check the --policy path'
          : 'fix the trust policy; `packet validate` lists every problem',
    });
    this.name = 'TrustPolicyError';
  }
}

export interface PolicyValidation {
  policy?: TrustPolicy;
  checks: Check[];
}

/** Load and check a policy; throws TrustPolicyError (an input PacketError) listing every problem. */
export async function loadTrustPolicy(path: string): Promise<TrustPolicy> {
  const result = await validateTrustPolicyFile(path);
  if (result.policy === undefined) throw new TrustPolicyError(result.checks, path);
  return result.policy;
}

/** For `packet validate`: every problem as a failed check; `policy` only when there are none. */
export async function validateTrustPolicyFile(path: string): Promise<PolicyValidation> {
  const file = resolve(path);
  const problem = (code: string, message: string, location: Partial<SourceLocation> = {}): Check =>
    fail('trust-policy', code, message, { subject: path, location: { file: path, ...location } });

  let text: string;
  let sha256: string;
  try {
    const info = await stat(file);
    if (info.size > MAX_POLICY_BYTES) return { checks: [problem(TrustCode.POLICY_TOO_LARGE, `the policy is ${info.size} bytes; the limit is ${MAX_POLICY_BYTES}`)] };
    const bytes = await readFile(file);
    // The digest of the exact bytes applied, so an auditor's report names the policy unambiguously.
    sha256 = createHash('sha256').update(bytes).digest('hex');
    text = bytes.toString('utf8');
  } catch (error) {
    return { checks: [problem(TrustCode.POLICY_UNREADABLE, `cannot read the policy: ${errorText(error)}`)] };
  }

  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) {
    return {
      checks: document.errors.map((error) => {
        const position = lineCounter.linePos(error.pos[0]);
        return problem(TrustCode.POLICY_SYNTAX, error.message.split('\n')[0] ?? 'syntax error', { line: position.line, column: position.col });
      }),
    };
  }
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: 0 });
  } catch (error) {
    return { checks: [problem(TrustCode.POLICY_SYNTAX, errorText(error))] };
  }
  const locate = (pointer: string): Partial<SourceLocation> => locationOf(document, lineCounter, pointer);

  const validate = schemaValidator();
  if (!validate(data)) {
    return { checks: (validate.errors ?? []).map((error) => problem(TrustCode.POLICY_SCHEMA, schemaMessage(error), locate(error.instancePath))) };
  }
  const raw = data as RawPolicy;
  const checks: Check[] = [];
  const signers = checkSigners(raw, checks, problem, locate);
  const requireRoles = raw.require.roles ?? [];
  checkSatisfiable(raw, signers, requireRoles, checks, problem, locate);
  const base = dirname(file);
  await loadSignerKeys(raw, signers, base, checks, problem, locate);
  const tsa = await loadTsaRoots(raw, base, checks, problem, locate);
  if (raw.require.timestamps && tsa.every((entry) => entry.roots.length === 0)) {
    checks.push(problem(TrustCode.POLICY_NO_TSA, 'require.timestamps is true but the policy trusts no TSA root', locate('/require/timestamps')));
  }
  if (checks.length > 0) return { checks };
  return {
    policy: {
      source: file,
      sha256,
      apiVersion: raw.apiVersion,
      signers,
      require: { signatures: raw.require.signatures, roles: requireRoles, timestamps: raw.require.timestamps },
      tsa,
    },
    checks: [],
  };
}

interface RawPolicy {
  apiVersion: 'evidence-packet/v1';
  kind: 'TrustPolicy';
  signers: { id: string; name: string; roles: string[]; fingerprints: string[]; key?: string }[];
  require: { signatures: number; roles?: string[]; timestamps: boolean };
  tsa?: { name: string; roots: string[]; certificates?: string[] }[];
}

type Problem = (code: string, message: string, location?: Partial<SourceLocation>) => Check;
type Locate = (pointer: string) => Partial<SourceLocation>;

function checkSigners(raw: RawPolicy, checks: Check[], problem: Problem, locate: Locate): PolicySigner[] {
  const ids = new Map<string, number>();
  const pinnedBy = new Map<string, string>();
  return raw.signers.map((signer, index) => {
    if (ids.has(signer.id)) {
      checks.push(problem(TrustCode.POLICY_DUPLICATE_SIGNER_ID, `signer id "${signer.id}" is used twice (signers ${ids.get(signer.id)} and ${index})`, locate(`/signers/${index}/id`)));
    }
    ids.set(signer.id, index);
    const fingerprints: string[] = [];
    signer.fingerprints.forEach((written, k) => {
      // The schema pattern guarantees 40 hex digits once spaces are removed.
      const fingerprint = normalizeFingerprint(written) as string;
      const owner = pinnedBy.get(fingerprint);
      if (owner !== undefined) {
        checks.push(problem(TrustCode.POLICY_FINGERPRINT_PINNED_TWICE, `fingerprint ${fingerprint} is pinned twice (${owner} and ${signer.id}); a key belongs to one person`, locate(`/signers/${index}/fingerprints/${k}`)));
        return;
      }
      pinnedBy.set(fingerprint, signer.id);
      fingerprints.push(fingerprint);
    });
    return { id: signer.id, name: signer.name, roles: [...signer.roles], fingerprints };
  });
}

function checkSatisfiable(raw: RawPolicy, signers: PolicySigner[], roles: string[], checks: Check[], problem: Problem, locate: Locate): void {
  // A required role nobody holds is an error, not a warning: such a policy can never be met.
  roles.forEach((role, index) => {
    if (!signers.some((signer) => signer.roles.includes(role))) {
      checks.push(problem(TrustCode.POLICY_ROLE_UNHELD, `required role "${role}" is held by no signer`, locate(`/require/roles/${index}`)));
    }
  });
  const people = new Set(signers.map((signer) => signer.id)).size;
  if (raw.require.signatures > people) {
    checks.push(problem(TrustCode.POLICY_UNSATISFIABLE, `require.signatures is ${raw.require.signatures} but the policy names only ${plural(people, 'person', 'people')}`, locate('/require/signatures')));
  }
  const holders = new Map(signers.map((signer) => [signer.id, signer.roles] as const));
  const matching = matchRolesToPeople(roles, holders);
  const held = matching.uncovered.filter((role) => signers.some((signer) => signer.roles.includes(role)));
  if (held.length > 0) {
    checks.push(problem(TrustCode.POLICY_UNSATISFIABLE, `roles ${held.join(', ')} cannot each be covered by a different signer`, locate('/require/roles')));
  }
}

async function readBounded(path: string): Promise<string> {
  const info = await stat(path);
  if (!info.isFile()) throw new Error('not a regular file');
  if (info.size > MAX_REFERENCED_FILE_BYTES) throw new Error(`larger than ${MAX_REFERENCED_FILE_BYTES} bytes`);
  return readFile(path, 'utf8');
}

async function loadSignerKeys(raw: RawPolicy, signers: PolicySigner[], base: string, checks: Check[], problem: Problem, locate: Locate): Promise<void> {
  for (const [index, entry] of raw.signers.entries()) {
    if (entry.key === undefined) continue;
    const signer = signers[index] as PolicySigner;
    const path = isAbsolute(entry.key) ? entry.key : resolve(base, entry.key);
    const where = locate(`/signers/${index}/key`);
    let armored: string;
    try {
      armored = await readBounded(path);
    } catch (error) {
      checks.push(problem(TrustCode.POLICY_KEY_FILE_UNREADABLE, `cannot read key file ${entry.key}: ${errorText(error)}`, where));
      continue;
    }
    try {
      const key = await readPublicKey({ source: entry.key, armored });
      const fingerprint = primaryFingerprint(key);
      if (!signer.fingerprints.includes(fingerprint)) {
        checks.push(problem(TrustCode.POLICY_KEY_FINGERPRINT_MISMATCH, `key file ${entry.key} holds key ${fingerprint}, which ${signer.id} does not pin`, where));
        continue;
      }
      signer.key = { path, armored, fingerprint };
    } catch (error) {
      const detail = error instanceof KeyRuleError ? `${error.code}: ${error.message}` : errorText(error);
      checks.push(problem(TrustCode.POLICY_KEY_INVALID, `key file ${entry.key} is not a usable public key (${detail})`, where));
    }
  }
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

async function loadTsaRoots(raw: RawPolicy, base: string, checks: Check[], problem: Problem, locate: Locate): Promise<TrustedTsa[]> {
  const result: TrustedTsa[] = [];
  for (const [index, tsa] of (raw.tsa ?? []).entries()) {
    const load = (kind: 'roots' | 'certificates'): Promise<TrustedTsa['roots']> =>
      loadPemList(tsa.name, tsa[kind] ?? [], kind, base, checks, problem, (k) => locate(`/tsa/${index}/${kind}/${k}`));
    result.push({ name: tsa.name, roots: await load('roots'), certificates: await load('certificates') });
  }
  return result;
}

/** Each entry is inline PEM (it contains `-----BEGIN`) or a path relative to the policy file. */
async function loadPemList(
  tsaName: string,
  entries: string[],
  kind: 'roots' | 'certificates',
  base: string,
  checks: Check[],
  problem: Problem,
  where: (k: number) => Partial<SourceLocation>,
): Promise<TrustedTsa['roots']> {
  const what = kind === 'roots' ? 'TSA root' : 'TSA certificate';
  const codes =
    kind === 'roots'
      ? { unreadable: TrustCode.POLICY_TSA_ROOT_UNREADABLE, notPem: TrustCode.POLICY_TSA_ROOT_NOT_PEM }
      : { unreadable: TrustCode.POLICY_TSA_CERT_UNREADABLE, notPem: TrustCode.POLICY_TSA_CERT_NOT_PEM };
  const loaded: TrustedTsa['roots'] = [];
  for (const [k, entry] of entries.entries()) {
    const inline = entry.includes('-----BEGIN');
    let pem: string;
    const source = inline ? `${tsaName} ${kind === 'roots' ? 'root' : 'certificate'} ${k + 1} (inline)` : isAbsolute(entry) ? entry : resolve(base, entry);
    if (inline) {
      pem = entry;
    } else {
      try {
        pem = await readBounded(source);
      } catch (error) {
        checks.push(problem(codes.unreadable, `cannot read ${what} ${entry}: ${errorText(error)}`, where(k)));
        continue;
      }
    }
    if (!PEM_CERTIFICATE.test(pem)) {
      checks.push(problem(codes.notPem, `${what} ${inline ? `${k + 1} of ${tsaName}` : entry} holds no PEM certificate`, where(k)));
      continue;
    }
    loaded.push({ source, pem });
  }
  return loaded;
}

function schemaMessage(error: ErrorObject): string {
  const at = error.instancePath === '' ? 'the policy' : error.instancePath;
  if (error.keyword === 'additionalProperties') return `${at}: unknown field "${String(error.params.additionalProperty)}"`;
  if (error.keyword === 'required') return `${at}: missing field "${String(error.params.missingProperty)}"`;
  return `${at}: ${error.message ?? 'is invalid'}`;
}

/** Line and column of the value at a JSON pointer, or of its nearest existing parent. */
function locationOf(document: Document, lineCounter: LineCounter, pointer: string): Partial<SourceLocation> {
  const segments = pointer === '' ? [] : pointer.slice(1).split('/').map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: unknown = document.contents;
  for (const segment of segments) {
    const next = isMap(node) ? node.get(segment, true) : isSeq(node) ? node.get(Number(segment), true) : undefined;
    if (next === undefined || next === null) break;
    node = next;
  }
  const range = (node as { range?: [number, number, number] } | null)?.range;
  const location: Partial<SourceLocation> = { pointer };
  if (range !== undefined) {
    const position = lineCounter.linePos(range[0]);
    location.line = position.line;
    location.column = position.col;
  }
  return location;
}
