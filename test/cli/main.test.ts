import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('packet (top level)', () => {
  it('prints usage and exits 2 with no command', async () => {
    const run = await runCli([]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('usage: packet <command>');
  });

  it('exits 2 on an unknown command, with a hint', async () => {
    const run = await runCli(['frobnicate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^packet: unknown command "frobnicate"\nhint: /);
  });

  it('prints its version', async () => {
    const run = await runCli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^packet \d+\.\d+\.\d+\n$/);
  });
});
