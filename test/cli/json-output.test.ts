/**
 * Every command that reports, run through the real binary (bin/packet.js, built) with
 * --format json, on success and on failure (usage, environment and check errors): stdout is one
 * envelope that validates against schemas/json-output.schema.json, names the command and the
 * subject exactly as typed, writes every time as RFC 3339 UTC whole seconds, and the exit code is
 * the documented one, the same as the same command gives in text form.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTsa, type LocalTsa } from '../../src/timestamp/index.js';
import { makeTempDir, PROJECT_ROOT, type CliRun } from '../helpers/cli.js';
import { makeKey, PASSPHRASE, runBinAsync } from '../ceremony/fixture.js';
import type { TestKey } from '../signing/keys.js';

const NOW = new Date(Date.now() + 60_000);
const NOW_TEXT = NOW.toISOString(); // milliseconds on input; the output must still use whole seconds
const SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const ANY_TIME = /\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?/g;

const temp = makeTempDir('packet-json-');
const dir = temp.path;
let tsa: LocalTsa;
let alice: TestKey;
let bob: TestKey;
let validate: ValidateFunction;

beforeAll(async () => {
  const schema = JSON.parse(readFileSync(join(PROJECT_ROOT, 'schemas/json-output.schema.json'), 'utf8')) as object;
  validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
  mkdirSync(join(dir, 'evidence/logs'), { recursive: true });
  writeFileSync(join(dir, 'evidence/plan.json'), JSON.stringify({ change: 'resize queue', replicas: 3 }));
  writeFileSync(join(dir, 'evidence/logs/apply.log'), 'applied 3 changes\n');
  writeFileSync(join(dir, 'afile'), 'a file, not a folder\n');
  alice = await makeKey('Alice');
  bob = await makeKey('Bob');
  writeFileSync(join(dir, 'alice.key.asc'), (await openpgp.encryptKey({ privateKey: alice.privateKey, passphrase: PASSPHRASE })).armor());
  writeFileSync(join(dir, 'alice.pass'), `${PASSPHRASE}\n`);
  writeFileSync(join(dir, 'wrong.pass'), 'not the passphrase\n');
  writeFileSync(join(dir, 'bob.pub.asc'), bob.publicArmored);
  tsa = await startLocalTsa();
  writeFileSync(join(dir, 'root.pem'), tsa.rootPem);
  writeFileSync(
    join(dir, 'policy.json'),
    JSON.stringify({
      apiVersion: 'evidence-packet/v1',
      kind: 'TrustPolicy',
      signers: [
        { id: 'alice', name: 'Alice', roles: ['operator'], fingerprints: [alice.fingerprint] },
        { id: 'bob', name: 'Bob', roles: ['approver'], fingerprints: [bob.fingerprint] },
      ],
      require: { signatures: 2, roles: ['operator', 'approver'], timestamps: true },
      tsa: [{ name: 'Local TSA', roots: ['root.pem'] }],
    }),
  );
});
afterAll(async () => {
  await tsa?.close();
  temp.cleanup();
});

type Envelope = Record<string, unknown> & { command: string; subject: string; facts?: Record<string, unknown>; error?: { kind: string; code: string } };

/** Runs `packet ARGS --format json` in the temp folder and checks the envelope every output shares. */
async function json(args: string[], expected: { code: number; command: string; subject: string }, env?: NodeJS.ProcessEnv): Promise<Envelope> {
  const run = await runBinAsync([...args, '--format', 'json'], { cwd: dir, ...(env === undefined ? {} : { env }) });
  expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(expected.code);
  return checkEnvelope(run, expected);
}

function checkEnvelope(run: CliRun, expected: { code: number; command: string; subject: string }): Envelope {
  let envelope: Envelope;
  try {
    envelope = JSON.parse(run.stdout) as Envelope;
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
  expect(validate(envelope) ? [] : validate.errors, `schema errors for ${expected.command}`).toEqual([]);
  expect(envelope.command).toBe(expected.command);
  expect(envelope.subject).toBe(expected.subject);
  expect(timesIn(envelope).filter((t) => !SECONDS.test(t))).toEqual([]);
  return envelope;
}

/** Every date-time anywhere in the output, in keys' values and inside messages. */
function timesIn(value: unknown): string[] {
  if (typeof value === 'string') return [...value.matchAll(ANY_TIME)].map((m) => m[0]);
  if (Array.isArray(value)) return value.flatMap(timesIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(timesIn);
  return [];
}

/** A failure: the envelope carries the error, and the exit code equals that of the same command in text form. */
async function failure(args: string[], expected: { code: number; command: string; subject: string; kind: string; code_?: string }, env?: NodeJS.ProcessEnv): Promise<Envelope> {
  const envelope = await json(args, expected, env);
  expect(envelope.error?.kind).toBe(expected.kind);
  if (expected.code_ !== undefined) expect(envelope.error?.code).toBe(expected.code_);
  const text = await runBinAsync(args, { cwd: dir, ...(env === undefined ? {} : { env }) });
  expect(text.code, 'text form exit code').toBe(expected.code);
  expect(text.stdout).not.toContain('"format"');
  return envelope;
}

async function signManifest(key: TestKey, manifest: Uint8Array): Promise<string> {
  return (await openpgp.sign({ message: await openpgp.createMessage({ binary: manifest }), signingKeys: key.privateKey, detached: true, format: 'armored', date: new Date(Date.now() - 60_000) })) as string;
}

describe('--format json: one envelope for every command', { timeout: 240_000 }, () => {
  it('the ceremony, success by success: build, inspect, status, sign, attach, timestamp, verify, unsign', async () => {
    const built = await json(['build', 'evidence', '--out', 'pk/', '--name', 'op-1', '--time', '2026-01-02T03:04:05Z', '--quiet'], { code: 0, command: 'build', subject: 'evidence' });
    expect(built.facts).toMatchObject({ path: join(dir, 'pk'), form: 'directory', packet: { created: '2026-01-02T03:04:05Z' } });
    expect(built).not.toHaveProperty('verdict');

    const inspected = await json(['inspect', 'pk'], { code: 0, command: 'inspect', subject: 'pk' });
    expect(inspected.verdict).toBe('intact');
    expect((inspected.facts?.files as { path: string }[]).map((f) => f.path).sort()).toEqual(['payload/evidence/logs/apply.log', 'payload/evidence/plan.json']);

    const unsigned = await json(['status', 'pk', '--policy', 'policy.json', '--now', NOW_TEXT], { code: 4, command: 'status', subject: 'pk' });
    expect(unsigned.verdict).toBe('incomplete');
    expect(unsigned.evaluatedAt).toBe(NOW_TEXT.replace(/\.\d{3}Z$/, 'Z'));

    cpSync(join(dir, 'pk'), join(dir, 'pk-unsigned'), { recursive: true });
    const signed = await json(['sign', './pk', '--key', 'alice.key.asc', '--passphrase-file', 'alice.pass'], { code: 0, command: 'sign', subject: './pk' });
    expect(signed.facts).toMatchObject({ path: join(dir, 'pk'), fingerprint: alice.fingerprint, signature: `signatures/${alice.fingerprint}.asc`, alreadyPresent: false });
    const again = await json(['sign', 'pk', '--key', 'alice.key.asc', '--passphrase-file', 'wrong.pass'], { code: 0, command: 'sign', subject: 'pk' });
    expect(again.facts).toMatchObject({ fingerprint: alice.fingerprint, alreadyPresent: true });

    writeFileSync(join(dir, 'bob.sig.asc'), await signManifest(bob, readFileSync(join(dir, 'pk/manifest.sha256'))));
    const attached = await json(['attach', 'pk', 'bob.sig.asc', '--key', 'bob.pub.asc'], { code: 0, command: 'attach', subject: 'pk' });
    expect(attached.facts).toMatchObject({ fingerprint: bob.fingerprint, alreadyPresent: false });

    const stamped = await json(['timestamp', 'pk', '--tsa', tsa.url, '--tsa-ca', 'root.pem'], { code: 0, command: 'timestamp', subject: 'pk' });
    expect((stamped.facts?.added as string[]).length).toBe(2);

    const verified = await json(['verify', 'pk', '--policy', 'policy.json', '--now', NOW_TEXT, '--quiet'], { code: 0, command: 'verify', subject: 'pk' });
    expect(verified.verdict).toBe('pass');
    expect((verified.facts?.signers as unknown[]).length).toBe(2);
    expect(await json(['status', 'pk', '--policy', 'policy.json', '--now', NOW_TEXT], { code: 0, command: 'status', subject: 'pk' })).toMatchObject({ verdict: 'pass' });

    cpSync(join(dir, 'pk'), join(dir, 'pk-copy'), { recursive: true });
    const removed = await json(['unsign', 'pk-copy', bob.fingerprint], { code: 0, command: 'unsign', subject: 'pk-copy' });
    expect(removed.facts).toMatchObject({ fingerprint: bob.fingerprint, remaining: [alice.fingerprint] });

    // Several packets: one envelope whose facts.reports holds each packet's envelope.
    mkdirSync(join(dir, 'batch'));
    cpSync(join(dir, 'pk'), join(dir, 'batch/a'), { recursive: true });
    cpSync(join(dir, 'pk'), join(dir, 'batch/b'), { recursive: true });
    writeFileSync(join(dir, 'batch/b/payload/evidence/plan.json'), '{"changed":true}');
    const batch = await json(['verify', '--integrity-only', 'batch/', 'pk', '--quiet'], { code: 1, command: 'verify', subject: 'batch/ pk' });
    expect(batch.verdict).toBe('fail');
    const reports = batch.facts?.reports as Envelope[];
    expect(reports.map((r) => [r.subject, r.verdict])).toEqual([['batch/a', 'intact'], ['batch/b', 'fail'], ['pk', 'intact']]);
    expect(batch.facts?.totals).toEqual({ packets: 3, verified: 0, intact: 2, incomplete: 0, failed: 1 });
  });

  it('validate and the locker subcommands, on success', async () => {
    const valid = await runBinAsync(['validate', '--now', '2026-11-23T12:00:00Z', '--format', 'json'], { cwd: PROJECT_ROOT });
    expect(valid.code, valid.stderr).toBe(0);
    expect(checkEnvelope(valid, { code: 0, command: 'validate', subject: '' }).verdict).toBe('pass');
    expect(await json(['validate', '--list-profiles'], { code: 0, command: 'validate', subject: '' })).toMatchObject({ facts: { profiles: expect.arrayContaining(['evidence-packet']) } });

    await json(['build', 'evidence', '--out', 'p.packet.tar', '--time', '2026-01-02T03:04:05Z', '--quiet'], { code: 0, command: 'build', subject: 'evidence' });
    const at = ['--folder', 'locker', '--now', '2026-04-01T12:00:00.250Z'];
    const pushed = await json(['locker', 'push', 'p.packet.tar', ...at], { code: 0, command: 'locker push', subject: 'p.packet.tar' });
    const digest = pushed.facts?.digest as string;
    expect(pushed.facts).toMatchObject({ path: join(dir, 'p.packet.tar'), state: 'pushed', ledgerSeq: 1 });
    expect(await json(['locker', 'list', ...at], { code: 0, command: 'locker list', subject: 'locker' })).toMatchObject({ facts: { entries: [{ digest }] } });
    expect(await json(['locker', 'hold', digest, ...at], { code: 0, command: 'locker hold', subject: digest })).toMatchObject({ facts: { lock: { legalHold: true } } });
    await json(['locker', 'release', `sha256:${digest}`, ...at], { code: 0, command: 'locker release', subject: `sha256:${digest}` });
    await json(['locker', 'retention', digest, '--days', '30', ...at], { code: 0, command: 'locker retention', subject: digest });
    await json(['locker', 'pull', digest, '--out', 'pulled.packet.tar', ...at], { code: 0, command: 'locker pull', subject: digest });
    expect(await json(['locker', 'verify', ...at], { code: 0, command: 'locker verify', subject: 'locker' })).toMatchObject({ verdict: 'pass', facts: { ledgerEntries: 4 } });
  });

  it('usage errors (exit 2) come as the envelope, even an unknown command or option', async () => {
    await failure(['frob', 'x'], { code: 2, command: 'frob', subject: '', kind: 'usage', code_: 'UNKNOWN_COMMAND' });
    await failure(['build', 'evidence', '--bogus'], { code: 2, command: 'build', subject: 'evidence', kind: 'usage', code_: 'BAD_ARGUMENTS' });
    await failure(['inspect', 'a', 'b'], { code: 2, command: 'inspect', subject: 'a', kind: 'usage' });
    await failure(['sign', 'pk'], { code: 2, command: 'sign', subject: 'pk', kind: 'usage' });
    await failure(['attach', 'pk'], { code: 2, command: 'attach', subject: 'pk', kind: 'usage' });
    await failure(['timestamp', 'pk', '--timeout', 'soon', '--tsa', 'http://127.0.0.1:9/'], { code: 2, command: 'timestamp', subject: 'pk', kind: 'usage' });
    await failure(['status', 'pk'], { code: 2, command: 'status', subject: 'pk', kind: 'usage', code_: 'MISSING_OPTION' });
    await failure(['verify', 'pk', '--now', 'yesterday'], { code: 2, command: 'verify', subject: 'pk', kind: 'usage' });
    await failure(['validate', '--strikt'], { code: 2, command: 'validate', subject: '', kind: 'usage' });
    await failure(['unsign', 'pk'], { code: 2, command: 'unsign', subject: 'pk', kind: 'usage' });
    await failure(['locker', 'push', 'p.packet.tar'], { code: 2, command: 'locker push', subject: 'p.packet.tar', kind: 'usage', code_: 'MISSING_OPTION' });
    await failure(['locker', 'frob', '--folder', 'locker'], { code: 2, command: 'locker', subject: 'locker', kind: 'usage' });
    // An error in a file names it, with the line.
    writeFileSync(join(dir, 'bad-locker.yaml'), 'apiVersion: evidence-packet/v1\nkind: Locker\nbackend: s3\ns3:\n  endpoint: http://127.0.0.1:9\n  region: us-east-1\n  bucket: B\nretention:\n  default: { mode: GOVERNANCE, days: 1 }\n');
    const badFile = await failure(['locker', 'list', '--locker', 'bad-locker.yaml'], { code: 2, command: 'locker list', subject: 'bad-locker.yaml', kind: 'usage' });
    expect(badFile.error).toMatchObject({ code: 'LOCKER_FILE_SCHEMA', file: join(dir, 'bad-locker.yaml'), line: 7 });
  });

  it('environment errors (exit 3) and failed checks (exit 1) come as the envelope too', async () => {
    const unwritable = await failure(['build', 'evidence', '--out', 'afile/x.packet.tar', '--quiet'], { code: 3, command: 'build', subject: 'evidence', kind: 'environment' });
    expect(unwritable).not.toHaveProperty('facts');
    cpSync(join(dir, 'pk'), join(dir, 'unstamped'), { recursive: true });
    rmSync(join(dir, 'unstamped/timestamps'), { recursive: true });
    await failure(['timestamp', 'unstamped', '--tsa', 'http://127.0.0.1:9/', '--timeout', '5'], { code: 3, command: 'timestamp', subject: 'unstamped', kind: 'environment' });
    writeFileSync(join(dir, 'unreachable.yaml'), 'apiVersion: evidence-packet/v1\nkind: Locker\nbackend: s3\ns3:\n  endpoint: http://127.0.0.1:9\n  region: us-east-1\n  bucket: evidence\n  pathStyle: true\nretention:\n  default: { mode: GOVERNANCE, days: 1 }\n');
    const s3 = { PATH: process.env.PATH, AWS_ACCESS_KEY_ID: 'test-only', AWS_SECRET_ACCESS_KEY: 'test-only' };
    await failure(['locker', 'list', '--locker', 'unreachable.yaml'], { code: 3, command: 'locker list', subject: 'unreachable.yaml', kind: 'environment', code_: 'LOCKER_UNREACHABLE' }, s3);
    await failure(['build', 'no-such-folder', '--out', 'q.packet.tar', '--quiet'], { code: 1, command: 'build', subject: 'no-such-folder', kind: 'check' });

    cpSync(join(dir, 'pk'), join(dir, 'bad'), { recursive: true });
    writeFileSync(join(dir, 'bad/payload/evidence/logs/apply.log'), 'rewritten\n');
    const inspected = await json(['inspect', 'bad'], { code: 1, command: 'inspect', subject: 'bad' });
    expect(inspected.verdict).toBe('fail');
    const verified = await json(['verify', 'bad', '--policy', 'policy.json', '--quiet'], { code: 1, command: 'verify', subject: 'bad' });
    expect(verified.verdict).toBe('fail');
    await failure(['sign', 'bad', '--key', 'alice.key.asc', '--passphrase-file', 'alice.pass'], { code: 1, command: 'sign', subject: 'bad', kind: 'check' });
    await failure(['sign', 'pk-unsigned', '--key', 'alice.key.asc', '--passphrase-file', 'wrong.pass'], { code: 1, command: 'sign', subject: 'pk-unsigned', kind: 'check' });
    writeFileSync(join(dir, 'other.sig.asc'), await signManifest(bob, new TextEncoder().encode('other bytes\n')));
    await failure(['attach', 'pk-copy', 'other.sig.asc', '--key', 'bob.pub.asc'], { code: 1, command: 'attach', subject: 'pk-copy', kind: 'check' });
    await failure(['unsign', 'pk-copy', 'F'.repeat(40)], { code: 1, command: 'unsign', subject: 'pk-copy', kind: 'check' });
    await failure(['locker', 'hold', '0'.repeat(64), '--folder', 'locker'], { code: 1, command: 'locker hold', subject: '0'.repeat(64), kind: 'check' });

    writeFileSync(join(dir, 'tenant.yaml'), 'apiVersion: evidence-packet/v1\nkind: Tenant\nid: Not_A_Label\n');
    const invalid = await json(['validate', 'tenant.yaml', '--now', NOW_TEXT], { code: 1, command: 'validate', subject: 'tenant.yaml' });
    expect(invalid.verdict).toBe('fail');
  });
});

describe('docs/json-output.md', () => {
  it('has a section for every command the schema describes, naming each of its facts', () => {
    const docs = readFileSync(join(PROJECT_ROOT, 'docs/json-output.md'), 'utf8');
    const schema = JSON.parse(readFileSync(join(PROJECT_ROOT, 'schemas/json-output.schema.json'), 'utf8')) as { allOf: { if: { properties: { command: { const?: string; enum?: string[] } } }; then: { properties: { facts: unknown } } }[] };
    for (const rule of schema.allOf) {
      const names = rule.if.properties.command.enum ?? [rule.if.properties.command.const as string];
      for (const name of names) expect(docs, name).toMatch(new RegExp(`^### .*\`${name}\``, 'm'));
      for (const key of factKeys(rule.then.properties.facts)) expect(docs, `${names.join('/')}: facts.${key}`).toContain(key);
    }
  });
});

/** The member names a facts schema declares, through if/then/else, oneOf and allOf. */
function factKeys(schema: unknown): string[] {
  if (schema === null || typeof schema !== 'object') return [];
  const s = schema as Record<string, unknown>;
  const own = s.properties === undefined ? [] : Object.keys(s.properties as object);
  const nested = ['then', 'else'].map((k) => s[k]).concat((s.oneOf as unknown[]) ?? [], (s.allOf as unknown[]) ?? []);
  return [...own, ...nested.flatMap(factKeys)];
}
