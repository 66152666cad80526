/**
 * Where key status came from (issue 12): without the signer's own key file in the policy, only
 * the packet's copy of the key is known, so a revocation published after signing cannot be;
 * the report says so with a warning. With the policy's key file, no warning, and the signature
 * check names both copies it used.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadTrustPolicy } from '../../src/trust/index.js';
import { verifyPacket } from '../../src/verify/index.js';
import { makeTempDir } from '../helpers/cli.js';
import { makeCorpusFixture, VERIFY_AT, type CorpusFixture } from '../vectors/fixture.js';

const temp = makeTempDir('packet-key-status-');
let fixture: CorpusFixture;
let packet: string;
beforeAll(async () => {
  fixture = await makeCorpusFixture(temp.path);
  packet = join(temp.path, 'status.packet.tar');
  writeFileSync(packet, fixture.base);
}, 60_000);
afterAll(async () => {
  await fixture?.tsa.close();
  temp.cleanup();
});

test('policy without key files: a REVOCATION_NOT_KNOWN warning per counted signature; the verdict still passes', async () => {
  const { report } = await verifyPacket(packet, { now: VERIFY_AT, policy: await loadTrustPolicy(fixture.policyFile) });
  expect(report.verdict).toBe('pass');
  const warnings = report.checks.filter((c) => c.code === 'REVOCATION_NOT_KNOWN');
  expect(warnings.map((c) => [c.status, c.subject])).toEqual([
    ['warn', `signatures/${[fixture.alice.fingerprint, fixture.bob.fingerprint].sort()[0]}.asc`],
    ['warn', `signatures/${[fixture.alice.fingerprint, fixture.bob.fingerprint].sort()[1]}.asc`],
  ]);
});

test('policy with the signers\' key files: no warning, and both copies are named as sources', async () => {
  writeFileSync(join(temp.path, 'alice.pub.asc'), fixture.alice.publicArmored);
  writeFileSync(join(temp.path, 'bob.pub.asc'), fixture.bob.publicArmored);
  const text = readFileSync(fixture.policyFile, 'utf8')
    .replace(`fingerprints: ["${fixture.alice.fingerprint}"]`, `fingerprints: ["${fixture.alice.fingerprint}"]\n    key: alice.pub.asc`)
    .replace(`fingerprints: ["${fixture.bob.fingerprint}"]`, `fingerprints: ["${fixture.bob.fingerprint}"]\n    key: bob.pub.asc`);
  const withKeys = join(temp.path, 'with-keys.yaml');
  writeFileSync(withKeys, text);
  const { report } = await verifyPacket(packet, { now: VERIFY_AT, policy: await loadTrustPolicy(withKeys) });
  expect(report.verdict).toBe('pass');
  expect(report.checks.filter((c) => c.code === 'REVOCATION_NOT_KNOWN')).toEqual([]);
  const alice = report.checks.find((c) => c.id === 'signature' && c.subject === `signatures/${fixture.alice.fingerprint}.asc`);
  expect((alice?.data as { keySources: string[] }).keySources).toEqual([join(temp.path, 'alice.pub.asc'), `keys/${fixture.alice.fingerprint}.asc`]);
});
