import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closest, editDistance } from '../../src/cli/suggest.js';
import { runCli } from '../helpers/cli.js';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and swapped neighbours as one edit each', () => {
    expect(editDistance('', '')).toBe(0);
    expect(editDistance('sign', 'sign')).toBe(0);
    expect(editDistance('sgin', 'sign')).toBe(1); // swap
    expect(editDistance('verfy', 'verify')).toBe(1); // insertion
    expect(editDistance('verifyy', 'verify')).toBe(1); // deletion
    expect(editDistance('polisy', 'policy')).toBe(1); // substitution
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('property: symmetric, zero only for equal strings, at most the longer length', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        const d = editDistance(a, b);
        expect(editDistance(b, a)).toBe(d);
        expect(d === 0).toBe(a === b);
        expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
        expect(d).toBeGreaterThanOrEqual(Math.abs(a.length - b.length));
      }),
    );
  });
});

describe('closest', () => {
  const names = ['validate', 'build', 'sign', 'attach', 'unsign', 'status', 'verify', 'inspect'];
  it('offers only near misses', () => {
    expect(closest('verfy', names)).toBe('verify');
    expect(closest('sgin', names)).toBe('sign');
    expect(closest('BUILD', names)).toBe('build');
    expect(closest('xyzzy', names)).toBeUndefined();
    expect(closest('sx', names)).toBeUndefined();
    expect(closest('a'.repeat(10_000), names)).toBeUndefined();
  });

  it('or the one name the input begins', () => {
    expect(closest('integrity', ['policy', 'integrity-only', 'now'])).toBe('integrity-only');
    expect(closest('in', ['integrity-only'])).toBeUndefined(); // too short to guess
    expect(closest('sta', ['status', 'start'])).toBeUndefined(); // two of them: no guess
  });
});

describe('did you mean, on the command line', () => {
  it('a mistyped command: exit 2, the nearest command in the hint', async () => {
    const run = await runCli(['verfy', 'p.packet.tar']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`packet: unknown command "verfy"\nhint: did you mean 'packet verify'? run 'packet --help' to list the commands\n`);
    expect((await runCli(['help', 'sgin'])).stderr).toContain("did you mean 'packet sign'?");
  });

  it('a command far from any: the plain hint', async () => {
    const run = await runCli(['frobnicate']);
    expect(run.stderr).toBe(`packet: unknown command "frobnicate"\nhint: run 'packet --help' to list the commands\n`);
  });

  it('a mistyped flag: exit 2, the nearest option of that command in the hint', async () => {
    const run = await runCli(['verify', '--polcy', 'policy.yaml', 'p.packet.tar']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`packet: unknown option '--polcy'\nhint: did you mean --policy? run 'packet verify --help' for usage\n`);
    expect((await runCli(['verify', '--integrity', 'p.packet.tar'])).stderr).toContain('did you mean --integrity-only?');
    expect((await runCli(['build', '--frce=yes', 'in'])).stderr).toContain('did you mean --force?');
    expect((await runCli(['build', '--zzzzzz', 'in'])).stderr).toBe(`packet: unknown option '--zzzzzz'\nhint: run 'packet build --help' for usage\n`);
  });

  it('a hostile command name is shown escaped', async () => {
    const run = await runCli(['\u001b[2Kverify']);
    expect(run.stderr).not.toContain('\u001b');
    expect(run.stderr).toContain('\\x1B[2Kverify');
  });
});

describe('did you mean, for subcommands', () => {
  it('a mistyped locker or tsa subcommand: exit 2, the nearest one in the hint', async () => {
    const locker = await runCli(['locker', 'pul', '--folder', 'x']);
    expect(locker.code).toBe(2);
    expect(locker.stderr).toContain(`packet: unknown subcommand "pul"\nhint: did you mean 'packet locker pull'? use one of`);
    expect((await runCli(['locker', 'zzzz', '--folder', 'x'])).stderr).not.toContain('did you mean');
    const tsa = await runCli(['tsa', 'serv']);
    expect(tsa.code).toBe(2);
    expect(tsa.stderr).toContain("hint: did you mean 'packet tsa serve'? run 'packet tsa --help' for usage");
    expect((await runCli(['tsa', 'start-now'])).stderr).not.toContain('did you mean');
  });
});
