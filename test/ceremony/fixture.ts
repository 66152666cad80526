/**
 * A throw-away signing ceremony for CLI tests: evidence to build from, alice's OpenPGP.js key
 * file (with a passphrase), bob's key in a temp GNUPGHOME, a local TSA, and policy files.
 * Keys are ed25519 and dated an hour back so that signing "now" is valid.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { expect } from 'vitest';
import type { Check, Report } from '../../src/core/result.js';
import { startLocalTsa, type LocalTsa } from '../../src/timestamp/index.js';
import { BIN, makeTempDir, runBin, runCli, type CliRun, type RunOptions } from '../helpers/cli.js';
import { makeGpgHome, type GpgHome } from '../signing/gpg.js';
import { makeEd25519, type KeyOptions, type TestKey } from '../signing/keys.js';

export const HOUR = 3600_000;
export const PASSPHRASE = 'correct horse battery staple';

export interface PolicySignerSpec {
  id: string;
  name?: string;
  roles: string[];
  fingerprints: string[];
  /** Public key file, relative to the policy file. */
  key?: string;
}

export interface PolicySpec {
  signers: PolicySignerSpec[];
  signatures?: number;
  roles?: string[];
  timestamps?: boolean;
  /** Root PEM files, relative to the policy file. */
  roots?: string[];
}

export interface Ceremony {
  dir: string;
  evidence: string;
  alice: TestKey;
  /** alice's private key, passphrase-protected, as a file. */
  aliceKeyFile: string;
  passphraseFile: string;
  bob: { gpg: GpgHome; fingerprint: string; publicArmored: string; publicKeyFile: string };
  tsa: LocalTsa;
  rootFile: string;
  /** The default policy: alice operator, bob approver, two people, both roles, time-stamps required. */
  policyFile: string;
  writePolicy(name: string, spec: PolicySpec): string;
  cleanup(): Promise<void>;
}

export async function makeCeremony(): Promise<Ceremony> {
  const temp = makeTempDir('ceremony-');
  const dir = temp.path;
  const evidence = join(dir, 'evidence');
  mkdirSync(join(evidence, 'logs'), { recursive: true });
  writeFileSync(join(evidence, 'plan.json'), JSON.stringify({ change: 'resize queue', tenant: 'acme', replicas: 3 }));
  writeFileSync(join(evidence, 'logs', 'apply.log'), 'applied 3 changes\nok\n');

  const alice = await makeKey('Alice');
  const encrypted = await openpgp.encryptKey({ privateKey: alice.privateKey, passphrase: PASSPHRASE });
  const aliceKeyFile = join(dir, 'alice.key.asc');
  writeFileSync(aliceKeyFile, encrypted.armor());
  const passphraseFile = join(dir, 'alice.pass');
  writeFileSync(passphraseFile, `${PASSPHRASE}\n`);
  writeFileSync(join(dir, 'alice.pub.asc'), alice.publicArmored);

  const gpg = makeGpgHome();
  const bobFingerprint = gpg.generate('Bob Example <bob@example.org>', 'ed25519');
  const bobPublic = gpg.run(['--armor', '--export', bobFingerprint]).stdout.toString('utf8');
  const bobPublicFile = join(dir, 'bob.pub.asc');
  writeFileSync(bobPublicFile, bobPublic);

  const tsa = await startLocalTsa();
  const rootFile = join(dir, 'root.pem');
  writeFileSync(rootFile, tsa.rootPem);

  const writePolicy = (name: string, spec: PolicySpec): string => {
    const file = join(dir, name);
    const policy = {
      apiVersion: 'evidence-packet/v1',
      kind: 'TrustPolicy',
      signers: spec.signers.map((s) => ({ id: s.id, name: s.name ?? s.id, roles: s.roles, fingerprints: s.fingerprints, ...(s.key === undefined ? {} : { key: s.key }) })),
      require: { signatures: spec.signatures ?? 2, roles: spec.roles ?? [], timestamps: spec.timestamps ?? false },
      tsa: [{ name: 'Local TSA', roots: spec.roots ?? ['root.pem'] }],
    };
    writeFileSync(file, JSON.stringify(policy, null, 2));
    return file;
  };
  const policyFile = writePolicy('policy.json', {
    signers: [
      { id: 'alice', name: 'Alice Example', roles: ['operator'], fingerprints: [alice.fingerprint] },
      { id: 'bob', name: 'Bob Example', roles: ['approver'], fingerprints: [bobFingerprint] },
    ],
    signatures: 2,
    roles: ['operator', 'approver'],
    timestamps: true,
  });

  return {
    dir,
    evidence,
    alice,
    aliceKeyFile,
    passphraseFile,
    bob: { gpg, fingerprint: bobFingerprint, publicArmored: bobPublic, publicKeyFile: bobPublicFile },
    tsa,
    rootFile,
    policyFile,
    writePolicy,
    async cleanup() {
      await tsa.close();
      gpg.cleanup();
      temp.cleanup();
    },
  };
}

/** An ed25519 key created an hour ago (valid for signing now). */
export function makeKey(name: string, options: KeyOptions = {}): Promise<TestKey> {
  return makeEd25519(name, { date: new Date(Date.now() - HOUR), ...options });
}

/** `packet build` into `out` (a .packet.tar, or a folder ending in /). */
export async function build(c: Ceremony, out: string): Promise<string> {
  const run = await runCli(['build', c.evidence, '--out', out, '--name', 'op-1', '--tenant', 'acme', '--format', 'json'], { cwd: c.dir });
  expect(run.code, run.stderr).toBe(0);
  return out;
}

export function aliceSigns(c: Ceremony, packet: string, how: 'file' | 'env' = 'file'): Promise<CliRun> {
  if (how === 'file') return runCli(['sign', packet, '--key', c.aliceKeyFile, '--passphrase-file', c.passphraseFile, '--format', 'json']);
  return runCli(['sign', packet, '--key', c.aliceKeyFile, '--format', 'json'], { env: { PATH: process.env.PATH, PACKET_PASSPHRASE: PASSPHRASE } });
}

/** Bob signs through the real gpg binary in his own GNUPGHOME (a child process). */
export function bobSigns(c: Ceremony, packet: string): CliRun {
  return runBin(['sign', packet, '--gpg', '--local-user', c.bob.fingerprint, '--format', 'json'], { env: c.bob.gpg.env });
}

export function stamp(c: Ceremony, packet: string): Promise<CliRun> {
  return runCli(['timestamp', packet, '--tsa', c.tsa.url, '--tsa-ca', c.rootFile, '--format', 'json']);
}

export interface ReportRun {
  code: number;
  report: Report;
  stderr: string;
}

export async function verify(packet: string, policy: string, command: 'verify' | 'status' = 'verify', options: RunOptions = {}): Promise<ReportRun> {
  const run = await runCli([command, packet, '--policy', policy, '--format', 'json'], options);
  let report: Report;
  try {
    report = JSON.parse(run.stdout) as Report;
  } catch {
    throw new Error(`no JSON report (exit ${run.code}): ${run.stderr}`);
  }
  return { code: run.code, report, stderr: run.stderr };
}

export function failedCodes(report: Report): string[] {
  return report.checks.filter((c) => c.status === 'fail').map((c) => c.code);
}

export function checksFor(report: Report, id: string, subject?: string): Check[] {
  return report.checks.filter((c) => c.id === id && (subject === undefined || c.subject === subject));
}

export function copyPacket(from: string, to: string): string {
  cpSync(from, to, { recursive: true });
  return to;
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Run the built binary without blocking, so that two can run at the same moment. */
export function runBinAsync(argv: string[], options: RunOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], { cwd: options.cwd, env: options.env ?? { PATH: process.env.PATH, HOME: process.env.HOME } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end();
  });
}
