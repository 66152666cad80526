import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, runCli } from '../helpers/cli.js';

const temp = makeTempDir();
afterAll(() => temp.cleanup());

describe('plausible mistakes are usage errors (exit 2), found before any work', () => {
  it('validate on a folder without contracts', async () => {
    mkdirSync(join(temp.path, 'empty'));
    const run = await runCli(['validate', 'empty'], { cwd: temp.path });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^packet: no contract files/);
  });

  it('sign with --key and --local-user, or with --gpg and --passphrase-file', async () => {
    expect((await runCli(['sign', 'x.packet.tar', '--key', 'k.asc', '--local-user', 'bob'], { cwd: temp.path })).code).toBe(2);
    expect((await runCli(['sign', 'x.packet.tar', '--gpg', '--passphrase-file', 'pw'], { cwd: temp.path })).code).toBe(2);
  });

  it('timestamp with a --policy-oid that is not an OID', async () => {
    expect((await runCli(['timestamp', 'x.packet.tar', '--tsa', 'http://127.0.0.1:9/', '--policy-oid', 'foo'], { cwd: temp.path })).code).toBe(2);
  });
});
