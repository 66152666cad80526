/**
 * `--key` files as people have them (issue 12): binary exports (`gpg --export` without
 * --armor) are read correctly, and a file holding several keys is refused with its own code
 * instead of being read as its first key.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runBin, runCli } from '../helpers/cli.js';
import { build, makeCeremony, makeKey, PASSPHRASE, verify, type Ceremony } from './fixture.js';

let c: Ceremony;
beforeAll(async () => {
  c = await makeCeremony();
}, 60_000);
afterAll(async () => {
  await c.cleanup();
});

function bobSignsManifest(packet: string, name: string): string {
  const manifest = join(c.dir, `${name}.manifest`);
  writeFileSync(manifest, spawnSync('tar', ['-xOf', packet, 'manifest.sha256']).stdout);
  const out = `${manifest}.asc`;
  expect(c.bob.gpg.run(['--local-user', c.bob.fingerprint, '--armor', '--detach-sign', '--output', out, manifest]).status).toBe(0);
  return out;
}

describe('attach --key', () => {
  test('a binary public key (gpg --export) verifies the signature and is stored armored', async () => {
    const packet = await build(c, join(c.dir, 'binary-pub.packet.tar'));
    const binary = join(c.dir, 'bob.pub.gpg');
    writeFileSync(binary, c.bob.gpg.run(['--export', c.bob.fingerprint]).stdout);
    expect(readFileSync(binary)[0]! & 0x80).toBe(0x80);
    const run = await runCli(['attach', packet, bobSignsManifest(packet, 'binary'), '--key', binary]);
    expect(run.code, run.stderr).toBe(0);
    const stored = spawnSync('tar', ['-xOf', packet, `keys/${c.bob.fingerprint}.asc`], { encoding: 'utf8' }).stdout;
    expect(stored).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
  });

  test('a file of two keys (two armor blocks, or one block of two) is refused: KEY_FILE_MULTIPLE_KEYS', async () => {
    const packet = await build(c, join(c.dir, 'two-pub.packet.tar'));
    const signature = bobSignsManifest(packet, 'two');
    const other = await makeKey('Other');
    const twoBlocks = join(c.dir, 'two-blocks.asc');
    writeFileSync(twoBlocks, `${other.publicArmored}${c.bob.publicArmored}`);
    const oneBlock = join(c.dir, 'one-block.asc');
    const both = new openpgp.PacketList();
    for (const armored of [other.publicArmored, c.bob.publicArmored]) both.push(...(await openpgp.readKey({ armoredKey: armored })).toPacketList());
    writeFileSync(oneBlock, openpgp.armor(openpgp.enums.armor.publicKey, both.write()));
    for (const file of [twoBlocks, oneBlock]) {
      const run = await runCli(['attach', packet, signature, '--key', file]);
      expect(run.code, file).toBe(1);
      expect(run.stderr).toMatch(/holds 2 (armored key blocks|keys)/);
    }
  });
});

describe('sign --key', () => {
  test('a binary private key file signs', async () => {
    const packet = await build(c, join(c.dir, 'binary-secret.packet.tar'));
    const armored = readFileSync(c.aliceKeyFile, 'utf8');
    const binary = join(c.dir, 'alice.key.gpg');
    writeFileSync(binary, (await openpgp.readPrivateKey({ armoredKey: armored })).write());
    const run = await runCli(['sign', packet, '--key', binary, '--passphrase-file', c.passphraseFile, '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { facts: { fingerprint: string } }).facts.fingerprint).toBe(c.alice.fingerprint);
  });

  test('a file of two private keys is refused before any passphrase is asked: KEY_FILE_MULTIPLE_KEYS', async () => {
    const packet = await build(c, join(c.dir, 'two-secret.packet.tar'));
    const other = await makeKey('OtherSecret');
    const file = join(c.dir, 'two-secret.asc');
    writeFileSync(file, `${readFileSync(c.aliceKeyFile, 'utf8')}${other.privateArmored}`);
    const run = await runCli(['sign', packet, '--key', file], { env: { PATH: process.env.PATH, PACKET_PASSPHRASE: PASSPHRASE } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/the key file holds 2 keys/);
  });
});

describe('key file size, checked before reading', () => {
  test('an oversized key file and an endless one (/dev/zero) are refused without being loaded', async () => {
    const packet = await build(c, join(c.dir, 'oversized.packet.tar'));
    const big = join(c.dir, 'big.asc');
    writeFileSync(big, Buffer.alloc(2 * 1024 * 1024, 0x41));
    for (const [file, pattern] of [[big, /larger than 1048576 bytes/], ['/dev/zero', /not a regular file/]] as const) {
      const signed = await runCli(['sign', packet, '--key', file]);
      expect(signed.code, file).toBe(1);
      expect(signed.stderr).toMatch(pattern);
      const attached = await runCli(['attach', packet, c.aliceKeyFile, '--key', file]);
      expect(attached.code, file).toBe(1);
    }
  });
});

describe('ECDSA P-384 through the CLI', () => {
  test('packet sign --gpg with a P-384 key on the token side, then packet verify: counted', async () => {
    const made = c.bob.gpg.run(['--quick-gen-key', 'Erin P384 <erin@example.org>', 'nistp384', 'sign', 'never']);
    expect(made.status, made.stderr).toBe(0);
    const listed = c.bob.gpg.run(['--with-colons', '--list-keys', 'erin@example.org']).stdout.toString('utf8');
    const erin = /^fpr:+([0-9A-F]{40}):/m.exec(listed)?.[1] as string;
    const packet = await build(c, join(c.dir, 'ecdsa.packet.tar'));
    const signed = runBin(['sign', packet, '--gpg', '--local-user', erin, '--format', 'json'], { env: c.bob.gpg.env });
    expect(signed.code, signed.stderr).toBe(0);
    const policy = c.writePolicy('erin.json', { signers: [{ id: 'erin', roles: ['operator'], fingerprints: [erin] }], signatures: 1 });
    const { code, report } = await verify(packet, policy);
    expect(code, JSON.stringify(report.checks.filter((x) => x.status === 'fail'))).toBe(0);
    const check = report.checks.find((x) => x.id === 'signature' && x.status === 'pass');
    expect(check?.data).toMatchObject({ hash: 'SHA384', algorithm: 'ecdsa' });
  });
});
