/**
 * Every registered command's `--help` states its exit codes, and every command that judges or
 * records at a time documents `--now RFC3339` (docs/exit-codes.md; times are injectable).
 */
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.js';
import { runCli } from '../helpers/cli.js';

/** Commands without --now, and why: each either reads no clock or has its own time option. */
const NO_NOW: Record<string, string> = {
  build: 'the created time is --time RFC3339',
  inspect: 'reads no clock',
  unsign: 'reads no clock',
  tsa: 'a time-stamping authority stamps the real time',
  demo: 'runs a real local TSA, which stamps the real time',
};

describe('packet COMMAND --help', () => {
  it('lists every exit code the command can give, starting with 0 and 2', async () => {
    expect(commands.length).toBeGreaterThanOrEqual(12);
    for (const command of commands) {
      const help = await runCli([command.name, '--help']);
      expect(help.code, command.name).toBe(0);
      const start = help.stdout.search(/^exit codes: /m);
      expect(start, `${command.name}: no "exit codes:" line`).toBeGreaterThanOrEqual(0);
      const block = help.stdout.slice(start).split('\n\n')[0] as string;
      const codes = [...block.matchAll(/(?:^|[\s,(])(\d{1,3})(?:\/\d+)? [a-z]/g)].map((m) => Number(m[1]));
      expect(codes[0], command.name).toBe(0);
      expect(codes, command.name).toContain(2);
      for (const code of codes) expect([0, 1, 2, 3, 4, 130], `${command.name}: exit code ${code}`).toContain(code);
    }
  });

  it('documents --now RFC3339 wherever the command takes --now, and every other command says why not', async () => {
    for (const command of commands) {
      const spec = await command.load();
      const help = (await runCli([command.name, '--help'])).stdout;
      if (spec.options.now !== undefined) {
        expect(help, command.name).toMatch(/^\s+--now RFC3339\s/m);
        expect(NO_NOW[command.name], command.name).toBeUndefined();
      } else {
        expect(NO_NOW[command.name], `${command.name} takes no --now: say why in NO_NOW`).toBeDefined();
        expect(help, command.name).not.toContain('--now');
      }
    }
    expect((await runCli(['build', '--help'])).stdout).toMatch(/^\s+--time RFC3339\s/m);
  });
});
