/**
 * Counts read as English wherever they are printed: "1 file", "2 files", never "1 files".
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeReport } from '../../src/core/result.js';
import { plural } from '../../src/core/plural.js';
import { renderGithub, renderHtml, renderMarkdown, renderText } from '../../src/report/index.js';
import { makeTempDir, runCli } from '../helpers/cli.js';

const temp = makeTempDir('packet-plurals-');
const cwd = temp.path;
const ONE_PLURAL = /\b1 (files|secrets|entries|warnings|packets|signatures|time-stamps|leftovers|objects|lines|checks|errors|people|approvers)\b/;

beforeAll(async () => {
  mkdirSync(join(cwd, 'one'));
  // one evidence file holding one secret (a password in a URL)
  writeFileSync(join(cwd, 'one', 'a.log'), 'db=postgres://admin:S3cretPassw0rd@db.example:5432/app\n');
  expect((await runCli(['build', '--quiet', '--time', '2026-01-01T00:00:00Z', '--out', 'one.packet.tar', 'one'], { cwd })).code).toBe(0);
}, 60_000);
afterAll(() => temp.cleanup());

describe('plurals', () => {
  it('plural()', () => {
    expect(plural(0, 'file', 'files')).toBe('0 files');
    expect(plural(1, 'file', 'files')).toBe('1 file');
    expect(plural(2, 'person', 'people')).toBe('2 people');
  });

  it('build, inspect and verify of a one-file packet with one secret', async () => {
    const built = await runCli(['build', '--quiet', '--force', '--time', '2026-01-01T00:00:00Z', '--out', 'one.packet.tar', 'one'], { cwd });
    expect(built.stdout).toContain('  redacted 1 secret in 1 file\n');
    const inspected = await runCli(['inspect', 'one.packet.tar'], { cwd });
    expect(inspected.stdout).toContain('1 secret redacted');
    expect(inspected.stdout).toContain('url-password x1 (line 1)');
    const verified = await runCli(['verify', '--quiet', '--integrity-only', 'one.packet.tar'], { cwd });
    expect(verified.stdout).toContain('packet.json describes the packet (1 file, ');
    for (const run of [built, inspected, verified]) expect(run.stdout).not.toMatch(ONE_PLURAL);
  });

  it("the packet's own VERIFY.md too: 1 evidence file", async () => {
    const { spawnSync } = await import('node:child_process');
    const verifyMd = spawnSync('tar', ['-xOf', join(cwd, 'one.packet.tar'), 'VERIFY.md'], { encoding: 'utf8' }).stdout;
    expect(verifyMd).toMatch(/^It holds 1 evidence file \(\d+ bytes\) under `payload\/`\.$/m);
  });

  it('one warning in every report format', () => {
    const report = makeReport({
      command: 'validate',
      subject: 'contracts',
      evaluatedAt: '2026-01-01T00:00:00Z',
      checks: [{ id: 'capacity', status: 'warn', code: 'CAPACITY_NEAR', message: 'close to the limit' }],
    });
    expect(renderText(report).split('\n')[0]).toContain('(0 failed, 1 warning, 0 passed)');
    expect(renderGithub(report)).toContain('(0 failed, 1 warning, 0 passed)');
    expect(renderMarkdown(report)).toContain('0 failed, 1 warning, 0 passed');
    expect(renderHtml(report)).toContain('0 failed, 1 warning, 0 passed');
    for (const text of [renderText(report), renderGithub(report), renderMarkdown(report), renderHtml(report)]) expect(text).not.toMatch(ONE_PLURAL);
  });
});
