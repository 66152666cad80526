/**
 * Realistic Report objects for the renderer tests, made by running the library on tiny temp
 * packets: a clean unsigned one, a tampered one, and a full two-person ceremony with RFC 3161
 * time-stamps from a throw-away TSA (plus the same ceremony with only one signer).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from '../../src/core/result.js';
import { addUnsealedFiles, buildPacket, readPacket } from '../../src/packet/index.js';
import { signPacket } from '../../src/ceremony/index.js';
import { loadTrustPolicy } from '../../src/trust/index.js';
import { verifyPacket } from '../../src/verify/index.js';
import { twoPersonPolicy } from '../helpers/policy.js';
import { makeEd25519, type TestKey } from '../signing/keys.js';
import { makeRoot, makeTsa, stamp } from '../timestamp/helpers.js';

/** Build time, signing time, TSA time and evaluation time, in order (TSA certs are valid around 2026-03-01). */
export const BUILT = new Date('2026-03-01T10:00:00Z');
export const SIGNED = new Date('2026-03-01T11:00:00Z');
export const STAMPED = new Date('2026-03-01T12:00:00Z');
export const EVALUATED = new Date('2026-03-02T09:30:00Z');
export const INTACT = 'INTACT (integrity only: signatures and approvals not checked)';

/** Evidence with secrets (so redaction shows) and one binary file (not scanned). */
export function writeEvidence(dir: string): string {
  const evidence = join(dir, 'evidence');
  mkdirSync(evidence, { recursive: true });
  writeFileSync(join(evidence, 'deploy.log'), 'connecting to postgres://app:Sup3rS3cretPassw0rd@db.internal:5432/app\nmigration 42 applied\n');
  writeFileSync(join(evidence, 'config.json'), JSON.stringify({ service: 'billing', password: 'hunter2-but-longer', api_key: 'k-1234567890abcdef' }));
  writeFileSync(join(evidence, 'plan.bin'), Buffer.from([0, 1, 2, 3, 255, 254, 0, 0, 7]));
  return evidence;
}

/** `count` more small evidence files in evidence/many/, for layout tests of a long evidence list. */
export function writeManyFiles(evidence: string, count: number): void {
  const many = join(evidence, 'many');
  mkdirSync(many, { recursive: true });
  for (let i = 0; i < count; i++) writeFileSync(join(many, `step-${String(i).padStart(4, '0')}-of-the-rollout-log.txt`), `step ${i} done\n`);
}

export async function buildTiny(dir: string, name = 'tenant-acme-resize', form: 'tar' | 'dir' = 'tar', extraFiles = 0): Promise<string> {
  const evidence = writeEvidence(dir);
  if (extraFiles > 0) writeManyFiles(evidence, extraFiles);
  const out = form === 'tar' ? join(dir, `${name}.packet.tar`) : `${join(dir, name)}/`;
  await buildPacket({ inputs: [evidence], out, name, created: BUILT, tenant: 'acme', environment: 'prod', operation: 'resize-db', cwd: dir });
  return out;
}

/** A clean packet verified for integrity only, without a policy: INTACT, never PASS. */
export async function cleanReport(dir: string): Promise<Report> {
  const packet = await buildTiny(dir);
  return (await verifyPacket(packet, { now: EVALUATED, integrityOnly: true, listEvidence: true })).report;
}

/** An unpacked packet with one evidence file changed after sealing: FAIL with FILE_MODIFIED. */
export async function tamperedReport(dir: string): Promise<Report> {
  const packet = await buildTiny(dir, 'tampered-packet', 'dir');
  writeFileSync(join(packet, 'payload/evidence/deploy.log'), 'migration 43 applied\n');
  return (await verifyPacket(packet, { now: EVALUATED, integrityOnly: true, listEvidence: true })).report;
}

export interface Ceremony {
  packet: string;
  policyFile: string;
  report: Report;
}

/**
 * Alice (operator) and Bob (approver) sign with key files; each signature gets a time-stamp
 * from a throw-away TSA whose root the policy trusts. `signers` picks who signs.
 */
export interface CeremonyOptions {
  /** Alice's key instead of a fresh Ed25519 one (an RSA key, a long user id). */
  aliceKey?: TestKey;
  /** Alice's display name in the policy. */
  aliceName?: string;
  /** More evidence files besides the usual three. */
  extraFiles?: number;
}

export async function ceremony(dir: string, signers: ('alice' | 'bob')[] = ['alice', 'bob'], options: CeremonyOptions = {}): Promise<Ceremony> {
  const packet = await buildTiny(dir, 'ceremony-packet', 'tar', options.extraFiles ?? 0);
  const alice = options.aliceKey ?? (await makeEd25519('Alice'));
  const bob = await makeEd25519('Bob');
  const keys = { alice, bob };
  const root = makeRoot('Report Test Root');
  const tsa = makeTsa(root);
  writeFileSync(join(dir, 'tsa-root.pem'), pem(root.cert));
  for (const who of signers) {
    const keyFile = join(dir, `${who}.key.asc`);
    writeFileSync(keyFile, keys[who].privateArmored, { mode: 0o600 });
    await signPacket(packet, { kind: 'key-file', keyFile }, SIGNED);
  }
  const reading = await readPacket(packet);
  const tokens = [...reading.unsealed.signatures].map(([fingerprint, signature]) => ({
    dir: 'timestamps' as const,
    fingerprint,
    bytes: Buffer.from(stamp(signature, tsa, STAMPED)),
  }));
  await addUnsealedFiles(packet, reading.digest as string, tokens);
  const policyFile = join(dir, 'policy.yaml');
  // The signers' current keys, so that key status (revocations) is known: no warning.
  writeFileSync(join(dir, 'alice.pub.asc'), alice.publicArmored);
  writeFileSync(join(dir, 'bob.pub.asc'), bob.publicArmored);
  writeFileSync(policyFile, twoPersonPolicy(alice.fingerprint, bob.fingerprint, { aliceName: options.aliceName, tsaName: 'Report Test TSA' }));
  const policy = await loadTrustPolicy(policyFile);
  const { report } = await verifyPacket(packet, { now: EVALUATED, policy, listEvidence: true });
  return { packet, policyFile, report };
}

function pem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/** A file name an attacker controls: markup, quotes, ampersand, pipe and backtick, but no slash. */
export const HOSTILE_NAME = '<script>alert("x")&\'|`evil`.log';
export const HOSTILE_BINARY = `<img src=x onerror="alert(1)">&.bin`;

/**
 * An unpacked packet whose evidence file names are hostile; one of them (which held a secret,
 * so redaction records its name) is changed after sealing: FAIL, and the names reach the
 * redaction summary, the not-scanned list and a check message.
 */
export async function hostileReport(dir: string): Promise<Report> {
  const evidence = join(dir, 'evidence');
  mkdirSync(evidence, { recursive: true });
  writeFileSync(join(evidence, HOSTILE_NAME), 'db url postgres://app:Sup3rS3cretPassw0rd@db.internal:5432/app\n');
  writeFileSync(join(evidence, HOSTILE_BINARY), Buffer.from([0, 159, 146, 150, 0]));
  const out = `${join(dir, 'hostile')}/`;
  await buildPacket({ inputs: [evidence], out, name: 'hostile', created: BUILT, cwd: dir });
  writeFileSync(join(out, 'payload/evidence', HOSTILE_NAME), 'changed\n');
  return (await verifyPacket(out, { now: EVALUATED, integrityOnly: true, listEvidence: true })).report;
}
