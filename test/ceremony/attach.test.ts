/**
 * `packet attach` with signatures made by stock GnuPG on an extracted manifest (the air-gapped
 * laptop case): armored and binary are accepted and stored armored under the primary
 * fingerprint; a signature over other bytes is refused with nothing written.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { attachSignature } from '../../src/ceremony/index.js';
import { runCli } from '../helpers/cli.js';
import { build, checksFor, makeCeremony, sha256File, verify, type Ceremony } from './fixture.js';

let c: Ceremony;
let bobOnly: string;
beforeAll(async () => {
  c = await makeCeremony();
  bobOnly = c.writePolicy('bob-only.json', { signers: [{ id: 'bob', roles: ['approver'], fingerprints: [c.bob.fingerprint] }], signatures: 1 });
});
afterAll(async () => {
  await c.cleanup();
});

/** Extract one member of a tar packet with stock tar. */
function extract(packet: string, member: string): Buffer {
  const run = spawnSync('tar', ['-xOf', packet, member]);
  expect(run.status, run.stderr.toString()).toBe(0);
  return run.stdout;
}

/** Bob, on his own machine, signs an extracted manifest.sha256 with plain gpg. */
function gpgDetachSign(name: string, manifest: Buffer, armor: boolean): string {
  const dir = join(c.dir, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.sha256'), manifest);
  const out = join(dir, armor ? 'manifest.sha256.asc' : 'manifest.sha256.sig');
  const run = c.bob.gpg.run(['--local-user', c.bob.fingerprint, '--detach-sign', ...(armor ? ['--armor'] : []), '--output', out, join(dir, 'manifest.sha256')]);
  expect(run.status, run.stderr).toBe(0);
  return out;
}

describe('packet attach with signatures made by gpg --detach-sign', () => {
  test.each([
    { kind: 'armored', armor: true },
    { kind: 'binary', armor: false },
  ])('a $kind signature is accepted and stored armored under the primary fingerprint, with the key', async ({ kind, armor }) => {
    const packet = await build(c, join(c.dir, `attach-${kind}.packet.tar`));
    const signature = gpgDetachSign(`laptop-${kind}`, extract(packet, 'manifest.sha256'), armor);
    if (!armor) expect(readFileSync(signature).subarray(0, 1).toString()).not.toBe('-');

    const run = await runCli(['attach', packet, signature, '--key', c.bob.publicKeyFile, '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    const result = (JSON.parse(run.stdout) as { facts: { fingerprint: string; signature: string } }).facts;
    expect(result.fingerprint).toBe(c.bob.fingerprint);
    expect(result.signature).toBe(`signatures/${c.bob.fingerprint}.asc`);

    const stored = extract(packet, `signatures/${c.bob.fingerprint}.asc`).toString('utf8');
    expect(stored).toMatch(/^-----BEGIN PGP SIGNATURE-----\n/);
    expect(stored.trimEnd()).toMatch(/-----END PGP SIGNATURE-----$/);
    expect(extract(packet, `keys/${c.bob.fingerprint}.asc`).toString('utf8')).toContain('BEGIN PGP PUBLIC KEY BLOCK');

    const { code, report } = await verify(packet, bobOnly);
    expect(code).toBe(0);
    expect(checksFor(report, 'signature', `signatures/${c.bob.fingerprint}.asc`)[0]?.code).toBe('OK');

    // The stored armored form still verifies with stock gpg over the manifest.
    const dir = join(c.dir, `laptop-${kind}`);
    writeFileSync(join(dir, 'stored.asc'), stored);
    const checked = c.bob.gpg.run(['--verify', join(dir, 'stored.asc'), join(dir, 'manifest.sha256')]);
    expect(checked.status, checked.stderr).toBe(0);
  });

  test('the key may also come from the policy (--policy) instead of --key', async () => {
    const packet = await build(c, join(c.dir, 'attach-policy.packet.tar'));
    const signature = gpgDetachSign('laptop-policy', extract(packet, 'manifest.sha256'), true);
    const withKey = c.writePolicy('bob-key.json', { signers: [{ id: 'bob', roles: ['approver'], fingerprints: [c.bob.fingerprint], key: 'bob.pub.asc' }], signatures: 1 });
    const run = await runCli(['attach', packet, signature, '--policy', withKey, '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    expect((await verify(packet, withKey)).code).toBe(0);
  });

  test('a signature over other bytes is refused (exit 1, SIGNATURE_MISMATCH) and nothing is written', async () => {
    const packet = await build(c, join(c.dir, 'attach-other.packet.tar'));
    const manifest = extract(packet, 'manifest.sha256');
    const other = Buffer.concat([manifest, Buffer.from(`${'0'.repeat(64)}  payload/extra.txt\n`)]);
    const signature = gpgDetachSign('laptop-other', other, true);
    const before = sha256File(packet);
    const entriesBefore = readdirSync(c.dir).sort();

    const run = await runCli(['attach', packet, signature, '--key', c.bob.publicKeyFile, '--format', 'json']);
    expect(run.code).toBe(1);
    // The error as the JSON envelope on stdout, the human text on stderr.
    expect(JSON.parse(run.stdout)).toMatchObject({ command: 'attach', error: { kind: 'check', hint: expect.any(String) } });
    expect(run.stderr).toMatch(/^packet: .*\nhint: /);
    expect(sha256File(packet)).toBe(before);
    expect(readdirSync(c.dir).sort()).toEqual(entriesBefore);
    await expect(attachSignature(packet, signature, { now: new Date(), keyFiles: [c.bob.publicKeyFile] })).rejects.toMatchObject({ code: 'SIGNATURE_MISMATCH' });
    expect(sha256File(packet)).toBe(before);
  });

  test('a signature whose key is given nowhere is refused (exit 1, UNKNOWN_KEY) and nothing is written', async () => {
    const packet = await build(c, join(c.dir, 'attach-nokey.packet.tar'));
    const signature = gpgDetachSign('laptop-nokey', extract(packet, 'manifest.sha256'), true);
    const before = sha256File(packet);
    const run = await runCli(['attach', packet, signature]);
    expect(run.code).toBe(1);
    expect(sha256File(packet)).toBe(before);
    await expect(attachSignature(packet, signature, { now: new Date() })).rejects.toMatchObject({ code: 'UNKNOWN_KEY' });
  });
});
