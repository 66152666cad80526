/**
 * `packet attach --timestamp`: merging another signer's copy of a packet carries the signer's
 * time-stamp over (the trusted time stays the one the signer got), in the same write as the
 * signature, and only after the token verifies over that signature against a trusted TSA.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { aliceSigns, bobSigns, build, checksFor, makeCeremony, sha256File, stamp, verify, type Ceremony } from './fixture.js';

let c: Ceremony;
let original: string;
let bobCopy: string;
let fromBob: string;
let aliceToken: string;

function tar(args: string[]): Buffer {
  const run = spawnSync('tar', args);
  expect(run.status, run.stderr.toString()).toBe(0);
  return run.stdout;
}

/** A fresh copy of the packet as Alice holds it: signed and time-stamped by her. */
function aliceCopy(name: string): string {
  const copy = join(c.dir, name);
  cpSync(original, copy);
  return copy;
}

beforeAll(async () => {
  c = await makeCeremony();
  original = await build(c, join(c.dir, 'op.packet.tar'));
  bobCopy = join(c.dir, 'bob.packet.tar');
  cpSync(original, bobCopy);
  expect((await aliceSigns(c, original)).code).toBe(0);
  expect((await stamp(c, original)).code).toBe(0);
  const bob = bobSigns(c, bobCopy);
  expect(bob.code, bob.stderr).toBe(0);
  expect((await stamp(c, bobCopy)).code).toBe(0);
  fromBob = join(c.dir, 'from-bob');
  mkdirSync(fromBob);
  tar(['-xf', bobCopy, '-C', fromBob, 'signatures', 'keys', 'timestamps']);
  const alice = join(c.dir, 'from-alice');
  mkdirSync(alice);
  tar(['-xf', original, '-C', alice, 'timestamps']);
  aliceToken = join(alice, 'timestamps', `${c.alice.fingerprint}.tsr`);
});
afterAll(async () => {
  await c.cleanup();
});

const bobFiles = (): { signature: string; key: string; token: string } => ({
  signature: join(fromBob, 'signatures', `${c.bob.fingerprint}.asc`),
  key: join(fromBob, 'keys', `${c.bob.fingerprint}.asc`),
  token: join(fromBob, 'timestamps', `${c.bob.fingerprint}.tsr`),
});

describe('packet attach --timestamp', () => {
  test("merges Bob's signature, key and time-stamp into Alice's copy; the trusted time is Bob's", async () => {
    const packet = aliceCopy('merged.packet.tar');
    const { signature, key, token } = bobFiles();
    const run = await runCli(['attach', packet, signature, '--key', key, '--timestamp', token, '--policy', c.policyFile]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`with timestamps/${c.bob.fingerprint}.tsr`);
    // The token stored is the very one Bob's copy holds, byte for byte.
    expect(tar(['-xOf', packet, `timestamps/${c.bob.fingerprint}.tsr`]).equals(readFileSync(token))).toBe(true);
    const verified = await verify(packet, c.policyFile);
    expect(verified.code, JSON.stringify(verified.report.checks, null, 1)).toBe(0);
    const stamped = checksFor(verified.report, 'timestamp', `timestamps/${c.bob.fingerprint}.tsr`);
    expect(stamped.map((check) => check.status)).toEqual(['pass']);
    const bobVerified = await verify(bobCopy, c.writePolicy('bob-only.json', { signers: [{ id: 'bob', roles: ['approver'], fingerprints: [c.bob.fingerprint] }], signatures: 1, timestamps: true }));
    const bobTime = checksFor(bobVerified.report, 'timestamp', `timestamps/${c.bob.fingerprint}.tsr`)[0]?.data;
    expect(bobTime).toBeDefined();
    expect(stamped[0]?.data).toEqual(bobTime);
  });

  test('also with the TSA root given as --tsa-ca instead of a policy', async () => {
    const packet = aliceCopy('merged-ca.packet.tar');
    const { signature, key, token } = bobFiles();
    const run = await runCli(['attach', packet, signature, '--key', key, '--timestamp', token, '--tsa-ca', c.rootFile, '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).facts).toMatchObject({ fingerprint: c.bob.fingerprint, timestamp: `timestamps/${c.bob.fingerprint}.tsr` });
    expect((await verify(packet, c.policyFile)).code).toBe(0);
  });

  test("a time-stamp over another signature (Alice's token with Bob's signature) is refused and nothing is written", async () => {
    const packet = aliceCopy('wrong-token.packet.tar');
    const before = sha256File(packet);
    const { signature, key } = bobFiles();
    const run = await runCli(['attach', packet, signature, '--key', key, '--timestamp', aliceToken, '--policy', c.policyFile]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('IMPRINT_MISMATCH');
    expect(sha256File(packet)).toBe(before);
  });

  test('a token from a TSA the caller does not trust is refused', async () => {
    const packet = aliceCopy('untrusted-tsa.packet.tar');
    const before = sha256File(packet);
    const { signature, key, token } = bobFiles();
    const otherRoot = join(c.dir, 'other-root.pem');
    const openssl = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(c.dir, 'other.key'), '-subj', '/CN=other root', '-days', '2', '-out', otherRoot]);
    expect(openssl.status, openssl.stderr.toString()).toBe(0);
    const run = await runCli(['attach', packet, signature, '--key', key, '--timestamp', token, '--tsa-ca', otherRoot]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('CHAIN_UNTRUSTED');
    expect(sha256File(packet)).toBe(before);
  });

  test.each([
    { name: '--timestamp without --policy or --tsa-ca', extra: ['--timestamp', 'x.tsr'] },
    { name: '--timestamp with both --policy and --tsa-ca', extra: ['--timestamp', 'x.tsr', '--policy', 'p.yaml', '--tsa-ca', 'r.pem'] },
    { name: '--tsa-ca without --timestamp', extra: ['--tsa-ca', 'r.pem'] },
  ])('usage error: $name', async ({ extra }) => {
    const packet = aliceCopy('usage.packet.tar');
    const { signature } = bobFiles();
    const args = ['attach', packet, signature, ...extra].map((arg) => (arg === 'p.yaml' ? c.policyFile : arg));
    const run = await runCli(args);
    expect(run.code, run.stderr).toBe(2);
  });
});
