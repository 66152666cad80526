/**
 * The valid packet the tamper corpus starts from: built, signed by two people (throw-away
 * ed25519 keys with fixed dates) and time-stamped by an in-process local TSA with a fixed clock.
 * A second packet (same signers, other payload) supplies replayed signatures and tokens.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPacket } from '../../src/packet/build.js';
import { signPacket } from '../../src/ceremony/sign.js';
import { timestampPacket } from '../../src/ceremony/timestamp.js';
import { startLocalTsa, type LocalTsa } from '../../src/timestamp/index.js';
import { makeEd25519, type TestKey } from '../signing/keys.js';

export const CREATED = new Date('2025-05-31T12:00:00Z');
export const SIGNED_AT = new Date('2025-06-01T00:00:00Z');
export const TSA_TIME = new Date('2025-06-01T00:01:00Z');
export const VERIFY_AT = new Date('2025-06-02T00:00:00Z');

export interface CorpusFixture {
  dir: string;
  base: Buffer;
  foreign: Buffer;
  alice: TestKey;
  bob: TestKey;
  mallory: TestKey;
  policyFile: string;
  tsa: LocalTsa;
}

/** Deterministic payload bytes: a text log, a JSON document and a binary blob. */
function writeEvidence(dir: string, flavour: string): string {
  const folder = join(dir, `evidence-${flavour}`, 'evidence');
  mkdirSync(folder, { recursive: true });
  const lines = Array.from({ length: 40 }, (_, i) => `2025-05-31T11:${String(i).padStart(2, '0')}:00Z ${flavour} step ${i} ok`);
  writeFileSync(join(folder, 'apply.log'), `${lines.join('\n')}\n`);
  writeFileSync(join(folder, 'plan.json'), JSON.stringify({ flavour, changes: Array.from({ length: 20 }, (_, i) => ({ id: i, op: 'modify', target: `db-${i}` })) }));
  const blob = Buffer.alloc(3000);
  for (let i = 0; i < blob.length; i += 1) blob[i] = (i * 131 + 7 + flavour.length) & 0xff;
  writeFileSync(join(folder, 'snapshot.bin'), blob);
  return join(dir, `evidence-${flavour}`);
}

async function makePacket(dir: string, flavour: string, keys: TestKey[], tsa: LocalTsa): Promise<string> {
  const input = writeEvidence(dir, flavour);
  const out = join(dir, `${flavour}.packet.tar`);
  await buildPacket({ inputs: [join(input, 'evidence')], out, created: CREATED, cwd: dir, name: flavour });
  for (const key of keys) {
    const keyFile = join(dir, `${key.fingerprint}.key.asc`);
    writeFileSync(keyFile, key.privateArmored);
    await signPacket(out, { kind: 'key-file', keyFile }, SIGNED_AT);
  }
  await timestampPacket(out, { url: tsa.url, timeoutMs: 10_000 });
  return out;
}

export async function makeCorpusFixture(dir: string): Promise<CorpusFixture> {
  const [alice, bob, mallory] = await Promise.all([makeEd25519('Alice'), makeEd25519('Bob'), makeEd25519('Mallory')]);
  const tsa = await startLocalTsa({ now: () => TSA_TIME });
  const base = await makePacket(dir, 'base', [alice, bob], tsa);
  const foreign = await makePacket(dir, 'foreign', [alice, bob], tsa);
  writeFileSync(join(dir, 'tsa-root.pem'), tsa.rootPem);
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(
    policyFile,
    [
      'apiVersion: evidence-packet/v1',
      'kind: TrustPolicy',
      'signers:',
      '  - id: alice',
      '    name: Alice Example',
      '    roles: [operator]',
      `    fingerprints: ["${alice.fingerprint}"]`,
      '  - id: bob',
      '    name: Bob Example',
      '    roles: [approver]',
      `    fingerprints: ["${bob.fingerprint}"]`,
      'require:',
      '  signatures: 2',
      '  roles: [operator, approver]',
      '  timestamps: true',
      'tsa:',
      '  - name: Local TSA',
      '    roots: [tsa-root.pem]',
      '',
    ].join('\n'),
  );
  return { dir, base: readFileSync(base), foreign: readFileSync(foreign), alice, bob, mallory, policyFile, tsa };
}
