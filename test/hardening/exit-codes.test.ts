/**
 * The exit-code contract, for every subcommand `packet --help` lists: 0 ok, 1 a check failed,
 * 2 usage error, 3 environment error, 4 incomplete (docs/exit-codes.md).
 */
import { createServer } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.js';
import { makeTempDir, runCli } from '../helpers/cli.js';
import { makeEd25519, signAt, type TestKey } from '../signing/keys.js';

const temp = makeTempDir('packet-exit-');
const cwd = temp.path;
const run = (argv: string[]) => runCli(argv, { cwd, now: new Date('2025-06-02T00:00:00Z') });
let alice: TestKey;
let bob: TestKey;
const NOW = ['--now', '2025-06-01T00:00:00Z'];

// The library resolves relative packet paths against the process's working directory (not the
// CLI's io.cwd), so run in the temp folder.
const previousCwd = process.cwd();
beforeAll(async () => {
  process.chdir(cwd);
  [alice, bob] = await Promise.all([makeEd25519('Alice'), makeEd25519('Bob')]);
  writeFileSync(join(cwd, 'alice.key'), alice.privateArmored);
  writeFileSync(join(cwd, 'bob.pub'), bob.publicArmored);
  writeFileSync(join(cwd, 'bob.key'), bob.privateArmored);
  mkdirSync(join(cwd, 'in'));
  writeFileSync(join(cwd, 'in', 'a.log'), 'evidence\n');
  writeFileSync(
    join(cwd, 'policy.yaml'),
    `apiVersion: evidence-packet/v1\nkind: TrustPolicy\nsigners:\n  - id: alice\n    name: Alice\n    roles: [operator]\n    fingerprints: ["${alice.fingerprint}"]\n  - id: bob\n    name: Bob\n    roles: [approver]\n    fingerprints: ["${bob.fingerprint}"]\nrequire:\n  signatures: 2\n  roles: [operator, approver]\n  timestamps: false\ntsa: []\n`,
  );
  expect((await run(['build', '--out', 'p.packet.tar', '--time', '2025-05-31T12:00:00Z', '--quiet', 'in'])).code).toBe(0);
  const signed = await run(['sign', 'p.packet.tar', '--key', 'alice.key', ...NOW]);
  expect(signed.stderr).toBe('');
  expect(signed.code).toBe(0);
  writeFileSync(join(cwd, 'broken.packet.tar'), 'not a tar');
}, 60_000);
afterAll(() => {
  process.chdir(previousCwd);
  temp.cleanup();
});

describe('exit codes', () => {
  it('every subcommand: --help is 0, an unknown option is 2', async () => {
    expect(commands.length).toBeGreaterThanOrEqual(8);
    for (const command of commands) {
      expect((await run([command.name, '--help'])).code, command.name).toBe(0);
      const bad = await run([command.name, '--no-such-option']);
      expect(bad.code, command.name).toBe(2);
      expect(bad.stderr).toMatch(/^packet: /);
      expect(bad.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  });

  it('top level: no command 2, unknown command 2, --version 0', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['--version'])).code).toBe(0);
  });

  it('build: 0 built, 2 bad option value, 1 input that cannot be packed', async () => {
    expect((await run(['build', '--out', 'q.packet.tar', '--time', 'yesterday', 'in'])).code).toBe(2);
    expect((await run(['build', '--out', 'q.packet.tar', '--format', 'xml', 'in'])).code).toBe(2);
    expect((await run(['build', '--out', 'q.packet.tar', '--time', '2025-05-31T12:00:00Z', '--quiet', 'no-such-input'])).code).toBe(1);
  });

  it('verify: 0 intact, 1 failed check, 4 dual control not met, 2 usage', async () => {
    expect((await run(['verify', '--quiet', '--integrity-only', 'p.packet.tar'])).code).toBe(0);
    expect((await run(['verify', '--quiet', '--integrity-only', 'broken.packet.tar'])).code).toBe(1);
    expect((await run(['verify', '--quiet', '--policy', 'policy.yaml', 'p.packet.tar'])).code).toBe(4);
    expect((await run(['verify'])).code).toBe(2);
    expect((await run(['verify', '--quiet', 'p.packet.tar'])).code).toBe(2);
    expect((await run(['verify', '--quiet', '--integrity-only', '--policy', 'policy.yaml', 'p.packet.tar'])).code).toBe(2);
    expect((await run(['verify', '--quiet', '--integrity-only', 'p.packet.tar', 'broken.packet.tar'])).code).toBe(1);
    expect((await run(['verify', '--integrity-only', '--now', 'later', 'p.packet.tar'])).code).toBe(2);
  });

  it('status: 4 incomplete, 1 broken packet, 2 without --policy', async () => {
    expect((await run(['status', '--policy', 'policy.yaml', 'p.packet.tar'])).code).toBe(4);
    expect((await run(['status', '--policy', 'policy.yaml', 'broken.packet.tar'])).code).toBe(1);
    expect((await run(['status', 'p.packet.tar'])).code).toBe(2);
  });

  it('inspect: 0 intact, 1 broken, 2 usage', async () => {
    expect((await run(['inspect', 'p.packet.tar'])).code).toBe(0);
    expect((await run(['inspect', 'broken.packet.tar'])).code).toBe(1);
    expect((await run(['inspect'])).code).toBe(2);
  });

  it('sign: 2 without --key/--gpg, 1 on a broken packet, 3 when gpg is missing', async () => {
    expect((await run(['sign', 'p.packet.tar'])).code).toBe(2);
    expect((await run(['sign', 'broken.packet.tar', '--key', 'alice.key', ...NOW])).code).toBe(1);
    const noGpg = await runCli(['sign', 'p.packet.tar', '--gpg', ...NOW], { cwd, env: { PATH: join(cwd, 'empty-path'), HOME: cwd } });
    expect(noGpg.code).toBe(3);
  });

  it('attach: 2 wrong arguments, 1 a signature over other bytes, then 0 and verify passes', async () => {
    expect((await run(['attach', 'p.packet.tar'])).code).toBe(2);
    writeFileSync(join(cwd, 'wrong.asc'), await signAt(bob.privateKey, Buffer.from('other bytes\n'), new Date('2025-06-01T00:00:00Z')));
    expect((await run(['attach', 'p.packet.tar', 'wrong.asc', '--key', 'bob.pub', ...NOW])).code).toBe(1);
    expect((await run(['sign', 'p.packet.tar', '--key', 'bob.key', ...NOW])).code).toBe(0);
    expect((await run(['verify', '--quiet', '--policy', 'policy.yaml', 'p.packet.tar'])).code).toBe(0);
    expect((await run(['status', '--policy', 'policy.yaml', 'p.packet.tar'])).code).toBe(0);
  });

  it('timestamp: 2 without --tsa or with a bad --timeout, 3 when the TSA is unreachable', async () => {
    expect((await run(['timestamp', 'p.packet.tar'])).code).toBe(2);
    expect((await run(['timestamp', 'p.packet.tar', '--tsa', 'http://127.0.0.1:9/', '--timeout', '-1'])).code).toBe(2);
    const port = await closedPort();
    expect((await run(['timestamp', 'p.packet.tar', '--tsa', `http://127.0.0.1:${port}/`, '--timeout', '5'])).code).toBe(3);
  });

  it('tsa: 2 without "serve" or with a bad port, 3 when the port is taken', async () => {
    expect((await run(['tsa'])).code).toBe(2);
    expect((await run(['tsa', 'serve', '--port', '70000'])).code).toBe(2);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as { port: number }).port;
    try {
      expect((await run(['tsa', 'serve', '--port', String(port), '--root-out', join(cwd, 'root.pem')])).code).toBe(3);
    } finally {
      server.close();
    }
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
