/**
 * The ceremony's undo (issue 12): `packet unsign PACKET FPR` takes a wrong signature out with
 * its time-stamp and key copy, under the packet lock, atomically; the other signature stays
 * valid. The tar form is padded to GNU tar's 10,240-byte record, so stock `tar --delete` and
 * `tar -r` work on it. `sign --policy` refuses a key the policy does not pin before it asks
 * for a passphrase.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readPacket } from '../../src/packet/index.js';
import { runCli } from '../helpers/cli.js';
import { aliceSigns, bobSigns, build, copyPacket, makeCeremony, makeKey, PASSPHRASE, stamp, verify, type Ceremony } from './fixture.js';

let c: Ceremony;
let signed: string;
beforeAll(async () => {
  c = await makeCeremony();
  signed = await build(c, join(c.dir, 'signed.packet.tar'));
  expect((await aliceSigns(c, signed)).code).toBe(0);
  expect(bobSigns(c, signed).code).toBe(0);
  expect((await stamp(c, signed)).code).toBe(0);
}, 60_000);
afterAll(async () => {
  await c.cleanup();
});

const members = (packet: string): string[] => spawnSync('tar', ['-tf', packet], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l !== '');
let copies = 0;
const copyOf = (packet: string): string => copyPacket(packet, join(c.dir, `copy-${(copies += 1)}${packet.endsWith('/') ? '/' : '.packet.tar'}`));

describe('packet unsign', () => {
  test('removes signature, time-stamp and key of one signer from a tar packet; the other still counts', async () => {
    const packet = copyOf(signed);
    const before = await verify(packet, c.policyFile);
    expect(before.code).toBe(0);
    const run = await runCli(['unsign', packet, c.bob.fingerprint, '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    const result = (JSON.parse(run.stdout) as { facts: { removed: string[]; remaining: string[] } }).facts;
    expect(result.removed).toEqual([`timestamps/${c.bob.fingerprint}.tsr`, `signatures/${c.bob.fingerprint}.asc`, `keys/${c.bob.fingerprint}.asc`]);
    expect(result.remaining).toEqual([c.alice.fingerprint]);
    expect(members(packet).filter((m) => m.includes(c.bob.fingerprint))).toEqual([]);
    const after = await verify(packet, c.policyFile);
    expect(after.code).toBe(4); // valid so far, one person short
    const alice = after.report.checks.find((check) => check.id === 'signature' && check.subject === `signatures/${c.alice.fingerprint}.asc`);
    expect(alice?.status).toBe('pass');
    expect(existsSync(`${packet}.lock`)).toBe(false);
    // Bob can sign again.
    expect(bobSigns(c, packet).code).toBe(0);
  });

  test('works on the folder form, takes a fingerprint as gpg prints it, and leaves the sealed part alone', async () => {
    const folder = await build(c, join(c.dir, 'folder/'));
    expect((await aliceSigns(c, folder)).code).toBe(0);
    const manifest = readFileSync(join(folder, 'manifest.sha256'));
    const spaced = (c.alice.fingerprint.toLowerCase().match(/.{4}/g) as string[]).join(' ');
    const run = await runCli(['unsign', folder, spaced]);
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(join(folder, 'signatures', `${c.alice.fingerprint}.asc`))).toBe(false);
    expect(existsSync(join(folder, 'keys', `${c.alice.fingerprint}.asc`))).toBe(false);
    expect(readFileSync(join(folder, 'manifest.sha256'))).toEqual(manifest);
    const reading = await readPacket(folder);
    expect(reading.intact, JSON.stringify(reading.checks.filter((x) => x.status === 'fail'))).toBe(true);
  });

  test('a fingerprint with nothing to remove, a malformed one, a missing argument', async () => {
    const packet = copyOf(signed);
    const bytes = readFileSync(packet);
    const absent = await runCli(['unsign', packet, 'A'.repeat(40)]);
    expect(absent.code).toBe(1);
    expect(absent.stderr).toMatch(/^packet: .*holds no signature, time-stamp or key for A{40}/);
    expect((await runCli(['unsign', packet, 'not-a-fingerprint'])).code).toBe(1);
    expect((await runCli(['unsign', packet])).code).toBe(2);
    expect(readFileSync(packet)).toEqual(bytes);
  });

  test('a tampered packet is refused and left as it was', async () => {
    const packet = copyOf(signed);
    appendFileSync(packet, Buffer.from('trailing junk'));
    const bytes = readFileSync(packet);
    const run = await runCli(['unsign', packet, c.bob.fingerprint]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/integrity/);
    expect(readFileSync(packet)).toEqual(bytes);
  });
});

describe('tar padding: stock GNU tar can delete and append', () => {
  test('every packet tar is a whole number of 10,240-byte records, before and after signing and unsigning', async () => {
    const plain = await build(c, join(c.dir, 'plain.packet.tar'));
    for (const packet of [plain, signed]) expect(statSync(packet).size % 10_240).toBe(0);
    const packet = copyOf(signed);
    expect((await runCli(['unsign', packet, c.alice.fingerprint])).code).toBe(0);
    expect(statSync(packet).size % 10_240).toBe(0);
  });

  test('tar --delete of a signer\'s three files gives the same packet as packet unsign', async () => {
    const byTar = copyOf(signed);
    const byUs = copyOf(signed);
    const names = ['timestamps', 'signatures', 'keys'].map((dir) => `${dir}/${c.bob.fingerprint}.${dir === 'timestamps' ? 'tsr' : 'asc'}`);
    const deleted = spawnSync('tar', ['--delete', '-f', byTar, ...names], { encoding: 'utf8' });
    expect(deleted.status, deleted.stderr).toBe(0);
    expect((await runCli(['unsign', byUs, c.bob.fingerprint])).code).toBe(0);
    const tarReading = await readPacket(byTar);
    expect(tarReading.intact).toBe(true);
    expect([...tarReading.unsealed.signatures.keys()]).toEqual([c.alice.fingerprint]);
    expect((await verify(byTar, c.policyFile)).code).toBe(4);
  });

  test('tar -r appends a signature made elsewhere, and the packet reads with it', async () => {
    const packet = copyOf(signed);
    expect((await runCli(['unsign', packet, c.bob.fingerprint])).code).toBe(0);
    const work = join(c.dir, 'append');
    spawnSync('mkdir', ['-p', join(work, 'signatures'), join(work, 'keys')]);
    writeFileSync(join(work, 'signatures', `${c.bob.fingerprint}.asc`), spawnSync('tar', ['-xOf', signed, `signatures/${c.bob.fingerprint}.asc`]).stdout);
    writeFileSync(join(work, 'keys', `${c.bob.fingerprint}.asc`), c.bob.publicArmored);
    const appended = spawnSync('tar', ['-rf', packet, '-C', work, '--owner=0', '--group=0', '--numeric-owner', `signatures/${c.bob.fingerprint}.asc`, `keys/${c.bob.fingerprint}.asc`], { encoding: 'utf8' });
    expect(appended.status, appended.stderr).toBe(0);
    const reading = await readPacket(packet);
    expect(reading.intact, JSON.stringify(reading.checks.filter((x) => x.status === 'fail'))).toBe(true);
    expect([...reading.unsealed.signatures.keys()].sort()).toEqual([c.alice.fingerprint, c.bob.fingerprint].sort());
  });

  test('the reader accepts the zero padding but still refuses real data after the end', async () => {
    const packet = copyOf(signed);
    expect((await readPacket(packet)).intact).toBe(true);
    const bytes = readFileSync(packet);
    bytes[bytes.length - 1] = 0x41;
    writeFileSync(packet, bytes);
    const reading = await readPacket(packet);
    expect(reading.intact).toBe(false);
    expect(reading.checks.map((check) => check.code)).toContain('ENTRY_AFTER_END');
  });
});

describe('sign --policy', () => {
  test('a key the policy does not pin is refused before the passphrase is asked for', async () => {
    const packet = await build(c, join(c.dir, 'policy-gate.packet.tar'));
    const bobOnly = c.writePolicy('gate-bob-only.json', { signers: [{ id: 'bob', roles: ['approver'], fingerprints: [c.bob.fingerprint] }], signatures: 1 });
    const bytes = readFileSync(packet);
    // No passphrase anywhere: if the gate came after the prompt, this would fail with PASSPHRASE_REQUIRED.
    const run = await runCli(['sign', packet, '--key', c.aliceKeyFile, '--policy', bobOnly]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`key ${c.alice.fingerprint} is not pinned by the trust policy`));
    expect(run.stderr).not.toMatch(/passphrase/i);
    expect(readFileSync(packet)).toEqual(bytes);
    // The same key with the default policy (which pins alice) signs.
    const ok = await runCli(['sign', packet, '--key', c.aliceKeyFile, '--policy', c.policyFile], { env: { PATH: process.env.PATH, PACKET_PASSPHRASE: PASSPHRASE } });
    expect(ok.code, ok.stderr).toBe(0);
  });

  test('through gpg: refused before gpg is asked to sign', async () => {
    const packet = await build(c, join(c.dir, 'policy-gate-gpg.packet.tar'));
    const aliceOnly = c.writePolicy('gate-alice-only.json', { signers: [{ id: 'alice', roles: ['operator'], fingerprints: [c.alice.fingerprint] }], signatures: 1 });
    const run = await runCli(['sign', packet, '--gpg', '--local-user', c.bob.fingerprint, '--policy', aliceOnly], { env: c.bob.gpg.env });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/is not pinned by the trust policy/);
    expect(members(packet).some((m) => m.startsWith('signatures/'))).toBe(false);
  });

  test('a policy that pins the signing subkey instead of the primary gets a hint to pin the primary', async () => {
    const frank = await makeKey('Frank', { subkeys: [{ sign: true }] });
    const keyFile = join(c.dir, 'frank.key.asc');
    writeFileSync(keyFile, frank.privateArmored);
    const subkey = (frank.privateKey.subkeys[0] as openpgp.Subkey).getFingerprint().toUpperCase();
    const pinsSubkey = c.writePolicy('pins-subkey.json', { signers: [{ id: 'frank', roles: ['operator'], fingerprints: [subkey] }], signatures: 1 });
    const packet = await build(c, join(c.dir, 'subkey.packet.tar'));
    const run = await runCli(['sign', packet, '--key', keyFile, '--policy', pinsSubkey]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`hint: the policy pins ${subkey}, a subkey of this key; it must pin the primary fingerprint ${frank.fingerprint}`);
    // Signed anyway (without --policy), verify gives the same hint.
    expect((await runCli(['sign', packet, '--key', keyFile])).code).toBe(0);
    const report = (await verify(packet, pinsSubkey)).report;
    const check = report.checks.find((x) => x.id === 'signature' && x.code === 'KEY_NOT_IN_POLICY');
    expect(check?.hint).toContain(`pin the primary fingerprint ${frank.fingerprint}`);
  });
});
