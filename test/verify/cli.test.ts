import { appendFileSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/core/result.js';
import { makeTempDir, runBin, runCli } from '../helpers/cli.js';
import { TIME, writeEvidence } from '../packet/fixtures.js';

/** `packet verify` and `packet inspect` on both forms: exit codes 0/1/2, JSON reports, what inspect shows. */

const temp = makeTempDir('packet-verify-cli-');
let cwd: string;
let tarPath: string;
let dirPath: string;
let badDir: string;

beforeAll(async () => {
  cwd = temp.path;
  writeEvidence(cwd);
  writeFileSync(join(cwd, 'evidence', 'db.txt'), 'dsn postgres://admin:hunter2@db/x\n');
  writeFileSync(join(cwd, 'evidence', 'blob.bin'), Buffer.from([0, 1, 2, 3, 255]));
  for (const out of ['p.packet.tar', 'unpacked/']) {
    const run = await runCli(['build', '--out', out, '--time', TIME, '--tenant', 'acme', '--env', 'prod', '--operation', 'CHG-42', '--quiet', 'evidence'], { cwd });
    expect(run.code).toBe(0);
  }
  tarPath = join(cwd, 'p.packet.tar');
  dirPath = join(cwd, 'unpacked');
  badDir = join(cwd, 'bad');
  cpSync(dirPath, badDir, { recursive: true });
  appendFileSync(join(badDir, 'payload/evidence/notes.txt'), 'edited later\n');
  mkdirSync(join(cwd, 'empty'));
});
afterAll(() => temp.cleanup());

describe('packet verify (CLI)', () => {
  it('exits 0 for both forms, text and JSON', async () => {
    for (const path of [tarPath, dirPath]) {
      const text = await runCli(['verify', '--quiet', '--integrity-only', path], { cwd });
      expect(text.code).toBe(0);
      expect(text.stdout.split('\n')[0]).toContain(': INTACT (integrity only: signatures and approvals not checked) (');
      const json = await runCli(['verify', '--quiet', '--integrity-only', '--format', 'json', '--now', TIME, path], { cwd });
      expect(json.code).toBe(0);
      const report = JSON.parse(json.stdout) as Report;
      expect(report.verdict).toBe('intact');
      expect(report.evaluatedAt).toBe(TIME);
      for (const check of report.checks) {
        expect(check).toMatchObject({ id: expect.any(String), status: 'pass', code: 'OK' });
      }
      expect(report.checks.map((c) => c.id)).toEqual(['packet.read', 'manifest', 'file.integrity', 'packet-json']);
    }
  });

  it('exits 1 with the reason code in the JSON report for a changed file', async () => {
    const run = await runCli(['verify', '--quiet', '--integrity-only', '--format', 'json', badDir], { cwd });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.verdict).toBe('fail');
    expect(report.checks.filter((c) => c.status === 'fail').map((c) => [c.id, c.code, c.subject])).toEqual([
      ['file.integrity', 'FILE_MODIFIED', 'payload/evidence/notes.txt'],
    ]);
  });

  it('exits 1 for garbage and for an empty folder, with a report rather than a crash', async () => {
    writeFileSync(join(cwd, 'garbage.tar'), 'garbage'.repeat(200));
    for (const path of ['garbage.tar', 'empty']) {
      const run = await runCli(['verify', '--quiet', '--integrity-only', '--format', 'json', path], { cwd });
      expect(run.code).toBe(1);
      const report = JSON.parse(run.stdout) as Report;
      expect(report.checks.some((c) => c.status === 'fail' && /^[A-Z_]+$/.test(c.code))).toBe(true);
    }
  });

  it.each([
    ['no packet', ['verify']],
    ['a bad --format', ['verify', '--integrity-only', '--format', 'xml', 'p.packet.tar']],
    ['a bad --now', ['verify', '--integrity-only', '--now', 'yesterday', 'p.packet.tar']],
    ['an unknown option', ['verify', '--integrity-only', '--frobnicate', 'p.packet.tar']],
    ['--integrity-only with --policy', ['verify', '--integrity-only', '--policy', 'policy.yaml', 'p.packet.tar']],
  ])('exits 2 for %s', async (_label, argv) => {
    const run = await runCli(argv, { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^packet: /);
    expect(run.stdout).toBe('');
  });

  it('exits 2 without --policy, saying how to pass one and naming --integrity-only', async () => {
    for (const path of [tarPath, dirPath]) {
      const run = await runCli(['verify', '--quiet', path], { cwd });
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^packet: .*--policy FILE/);
      expect(run.stderr).toMatch(/\nhint: .*--policy FILE.*--integrity-only/);
    }
  });

  it('--integrity-only on a changed file still fails, in every format', async () => {
    for (const format of ['text', 'json', 'markdown', 'html']) {
      const run = await runCli(['verify', '--quiet', '--integrity-only', '--format', format, badDir], { cwd });
      expect(run.code, format).toBe(1);
      expect(run.stdout, format).toContain('FILE_MODIFIED');
      expect(run.stdout, format).not.toContain('INTACT');
    }
  });

  it('the built binary gives the same exit codes (0, 1, 2)', () => {
    expect(runBin(['verify', '--quiet', '--integrity-only', tarPath], { cwd }).code).toBe(0);
    expect(runBin(['verify', '--quiet', '--integrity-only', badDir], { cwd }).code).toBe(1);
    const usage = runBin(['verify'], { cwd });
    expect(usage.code).toBe(2);
    expect(usage.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('packet inspect (CLI)', () => {
  it('shows files, metadata and the redaction summary as JSON, for both forms', async () => {
    for (const path of [tarPath, dirPath]) {
      const run = await runCli(['inspect', '--format', 'json', path], { cwd });
      expect(run.code).toBe(0);
      const envelope = JSON.parse(run.stdout) as {
        verdict: string;
        checks: { status: string }[];
        facts: {
          digest: string;
          files: { path: string; size: number }[];
          packet: { tenant: string; environment: string; operation: string; redaction: { total: number; files: { file: string; count: number; lines: number[] }[]; notScanned: string[] } };
        };
      };
      expect(envelope.verdict).toBe('intact');
      const shown = envelope.facts;
      expect(shown.digest).toMatch(/^[0-9a-f]{64}$/);
      expect(shown.files.map((f) => f.path)).toContain('payload/evidence/logs/deep/trace.txt');
      expect(shown.files.find((f) => f.path === 'payload/evidence/logs/deep/trace.txt')?.size).toBe(1000);
      expect(shown.packet).toMatchObject({ tenant: 'acme', environment: 'prod', operation: 'CHG-42' });
      expect(shown.packet.redaction.total).toBe(1);
      expect(shown.packet.redaction.files).toMatchObject([{ file: 'payload/evidence/db.txt', count: 1, lines: [1] }]);
      expect(shown.packet.redaction.notScanned).toEqual(['payload/evidence/blob.bin']);
      expect(envelope.checks.filter((c) => c.status === 'fail')).toEqual([]);
      expect(run.stdout).not.toContain('hunter2');
    }
  });

  it('shows files and the redaction summary as text', async () => {
    const run = await runCli(['inspect', tarPath], { cwd });
    expect(run.code).toBe(0);
    for (const expected of ['payload/evidence/notes.txt', 'payload/evidence/Größe-übersicht.txt', 'payload/evidence/db.txt', 'payload/evidence/blob.bin', 'CHG-42', 'acme']) {
      expect(run.stdout).toContain(expected);
    }
    expect(run.stdout).not.toContain('hunter2');
  });

  it('exits 1 and lists the problem codes for a damaged packet; 2 for usage errors', async () => {
    const run = await runCli(['inspect', '--format', 'json', badDir], { cwd });
    expect(run.code).toBe(1);
    const shown = JSON.parse(run.stdout) as { verdict: string; checks: { status: string; code: string }[] };
    expect(shown.verdict).toBe('fail');
    expect(shown.checks.filter((c) => c.status === 'fail').map((c) => c.code)).toEqual(['FILE_MODIFIED']);
    expect((await runCli(['inspect'], { cwd })).code).toBe(2);
    expect((await runCli(['inspect', '--format', 'yaml', tarPath], { cwd })).code).toBe(2);
  });
});
