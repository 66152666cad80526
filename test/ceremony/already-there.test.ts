/**
 * "Already there" has one rule (docs/exit-codes.md): a packet holds one signature per key and
 * one time-stamp per signature. Repeating sign, attach or timestamp when the key's signature (or
 * the signature's time-stamp) is there and verifies changes nothing and exits 0, saying so; one
 * that does not verify is in the way: exit 1, ALREADY_PRESENT, nothing changed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { signPacket } from '../../src/ceremony/index.js';
import { requestTimeStamp, startLocalTsa, type LocalTsa } from '../../src/timestamp/index.js';
import { runCli } from '../helpers/cli.js';
import { signAt } from '../signing/keys.js';
import { aliceSigns, bobSigns, build, makeCeremony, sha256File, stamp, type Ceremony } from './fixture.js';

let c: Ceremony;
let otherTsa: LocalTsa;
beforeAll(async () => {
  c = await makeCeremony();
  otherTsa = await startLocalTsa();
  writeFileSync(join(c.dir, 'other-root.pem'), otherTsa.rootPem);
});
afterAll(async () => {
  await otherTsa.close();
  await c.cleanup();
});

const NO_PASSPHRASE = { env: { PATH: process.env.PATH, HOME: process.env.HOME } };
const sigFile = (dir: string, fpr: string): string => join(dir, 'signatures', `${fpr}.asc`);

/** Every file's digest in a packet folder, to prove nothing changed. */
function snapshot(dir: string): string {
  return ['manifest.sha256', `signatures/${c.alice.fingerprint}.asc`, `keys/${c.alice.fingerprint}.asc`].map((f) => sha256File(join(dir, f))).join(',');
}

describe('sign twice with the same key', () => {
  test('the second run signs nothing, asks for no passphrase and exits 0 saying so (tar packet unchanged)', async () => {
    const packet = await build(c, join(c.dir, 'twice.packet.tar'));
    expect((await aliceSigns(c, packet)).code).toBe(0);
    const before = sha256File(packet);
    // No passphrase anywhere: had it tried to sign, this would fail with PASSPHRASE_REQUIRED.
    const again = await runCli(['sign', packet, '--key', c.aliceKeyFile, '--format', 'json'], NO_PASSPHRASE);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).facts).toMatchObject({ fingerprint: c.alice.fingerprint, alreadyPresent: true });
    const text = await runCli(['sign', packet, '--key', c.aliceKeyFile], NO_PASSPHRASE);
    expect(text.stdout).toContain(`signatures/${c.alice.fingerprint}.asc is already in ${packet}: this key has signed it; nothing changed`);
    expect(sha256File(packet)).toBe(before);
  });

  test('through gpg too: the second run exits 0 and changes nothing', async () => {
    const packet = await build(c, join(c.dir, 'twice-gpg.packet.tar'));
    expect(bobSigns(c, packet).code).toBe(0);
    const before = sha256File(packet);
    const again = bobSigns(c, packet);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).facts).toMatchObject({ fingerprint: c.bob.fingerprint, alreadyPresent: true });
    expect(sha256File(packet)).toBe(before);
  });

  test('a file under the key name that does not verify is in the way: exit 1, ALREADY_PRESENT, nothing changed', async () => {
    const dir = await build(c, join(c.dir, 'in-the-way/'));
    expect((await aliceSigns(c, dir)).code).toBe(0);
    // alice's signature, but over other bytes: it cannot count, and sign must not hide it.
    writeFileSync(sigFile(dir, c.alice.fingerprint), await signAt(c.alice.privateKey, Buffer.from('other bytes\n'), new Date(Date.now() - 60_000)));
    const before = snapshot(dir);
    const run = await runCli(['sign', dir, '--key', c.aliceKeyFile, '--passphrase-file', c.passphraseFile]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('does not verify');
    expect(run.stderr).toContain(`hint: a packet holds one signature per key: take the old one out with 'packet unsign`);
    await expect(signPacket(dir, { kind: 'key-file', keyFile: c.aliceKeyFile }, new Date())).rejects.toMatchObject({ code: 'ALREADY_PRESENT' });
    expect(snapshot(dir)).toBe(before);
  });
});

describe('attach twice', () => {
  test('the same signature, or another by the same key: exit 0, the one there is kept; one that does not verify is in the way', async () => {
    const dir = await build(c, join(c.dir, 'attach-twice/'));
    const manifest = readFileSync(join(dir, 'manifest.sha256'));
    const first = join(c.dir, 'alice-1.asc');
    const second = join(c.dir, 'alice-2.asc');
    writeFileSync(first, await signAt(c.alice.privateKey, manifest, new Date(Date.now() - 120_000)));
    writeFileSync(second, await signAt(c.alice.privateKey, manifest, new Date(Date.now() - 60_000)));
    const alicePub = join(c.dir, 'alice.pub.asc');
    expect((await runCli(['attach', dir, first, '--key', alicePub])).code).toBe(0);
    const kept = readFileSync(sigFile(dir, c.alice.fingerprint));
    const before = snapshot(dir);

    for (const file of [first, second]) {
      const run = await runCli(['attach', dir, file, '--key', alicePub, '--format', 'json']);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout).facts).toMatchObject({ fingerprint: c.alice.fingerprint, alreadyPresent: true });
      expect(snapshot(dir)).toBe(before);
    }
    expect(readFileSync(sigFile(dir, c.alice.fingerprint)).equals(kept)).toBe(true);
    expect((await runCli(['attach', dir, second, '--key', alicePub])).stdout).toContain('this key has signed it; nothing changed');

    writeFileSync(sigFile(dir, c.alice.fingerprint), await signAt(c.alice.privateKey, Buffer.from('other bytes\n'), new Date(Date.now() - 60_000)));
    const inTheWay = snapshot(dir);
    const refused = await runCli(['attach', dir, second, '--key', alicePub]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('does not verify');
    expect(snapshot(dir)).toBe(inTheWay);
  });
});

describe('timestamp twice', () => {
  test('a second request run and an import of the same token exit 0 (present); a token there that does not verify is in the way', async () => {
    const dir = await build(c, join(c.dir, 'stamp-twice/'));
    expect((await aliceSigns(c, dir)).code).toBe(0);
    expect((await stamp(c, dir)).code).toBe(0);
    const tsr = join(dir, 'timestamps', `${c.alice.fingerprint}.tsr`);
    const token = readFileSync(tsr);

    const again = await runCli(['timestamp', dir, '--tsa', c.tsa.url, '--tsa-ca', c.rootFile]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('already has its time-stamp; nothing changed');

    const copy = join(c.dir, 'alice.tsr');
    writeFileSync(copy, token);
    const imported = await runCli(['timestamp', dir, '--import', c.alice.fingerprint, copy, '--tsa-ca', c.rootFile, '--format', 'json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout).facts).toMatchObject({ added: [], alreadyStamped: [`timestamps/${c.alice.fingerprint}.tsr`] });
    expect(readFileSync(tsr).equals(token)).toBe(true);

    // A token from another TSA, checked against that TSA's root: the one there does not chain to it.
    const other = join(c.dir, 'other.tsr');
    writeFileSync(other, await requestTimeStamp(otherTsa.url, readFileSync(sigFile(dir, c.alice.fingerprint)), { timeoutMs: 10_000 }));
    const refused = await runCli(['timestamp', dir, '--import', c.alice.fingerprint, other, '--tsa-ca', join(c.dir, 'other-root.pem')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`timestamps/${c.alice.fingerprint}.tsr is already in`);
    expect(readFileSync(tsr).equals(token)).toBe(true);
  });
});
