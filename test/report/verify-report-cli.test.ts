import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, runCli } from '../helpers/cli.js';
import { buildTiny, ceremony, EVALUATED, tamperedReport } from './fixtures.js';

const temp = makeTempDir('packet-report-cli-');
const NOW = ['--now', EVALUATED.toISOString()];
const INTACT = 'INTACT (integrity only: signatures and approvals not checked)';
let clean: string;
let tamperedDir: string;
let incomplete: { packet: string; policyFile: string };

beforeAll(async () => {
  const sub = (name: string): string => {
    const dir = join(temp.path, name);
    mkdirSync(dir);
    return dir;
  };
  clean = await buildTiny(sub('clean'));
  tamperedDir = sub('tampered');
  await tamperedReport(tamperedDir);
  incomplete = await ceremony(sub('incomplete'), ['alice']);
});
afterAll(() => temp.cleanup());

function outDir(name: string): string {
  const dir = join(temp.path, 'out', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe('packet verify --report', () => {
  test('FILE.md writes the Markdown report and still prints the normal output; integrity only reads INTACT', async () => {
    const dir = outDir('md');
    const run = await runCli(['verify', clean, '--integrity-only', ...NOW, '--report', 'auditor.md'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toContain(`: ${INTACT} (`);
    expect(run.stdout).not.toContain('PASS');
    const report = readFileSync(join(dir, 'auditor.md'), 'utf8');
    expect(report.split('\n')[0]).toBe(`# Evidence packet verification: ${INTACT}`);
    expect(report).toContain(`**${INTACT}**: packet`);
    expect(report).not.toContain('PASS');
    expect(report).toContain('Evaluated at 2026-03-02T09:30:00Z');
    // written atomically: no temporary file left beside it
    expect(readdirSync(dir)).toEqual(['auditor.md']);
  });

  test('FILE.html with a policy: incomplete ceremony exits 4 and the page says INCOMPLETE', async () => {
    const dir = outDir('html');
    const run = await runCli(['verify', incomplete.packet, '--policy', incomplete.policyFile, ...NOW, '--report', join(dir, 'Auditor.HTML')]);
    expect(run.code).toBe(4);
    const page = readFileSync(join(dir, 'Auditor.HTML'), 'utf8');
    expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(page).toContain('Verdict: <span class="status incomplete">INCOMPLETE</span>');
    expect(page).toContain('<code>DUAL_CONTROL_TOO_FEW_PEOPLE</code>');
  });

  test('the report written by the CLI lists the evidence and names the policy by its SHA-256; --format json alone leaves the list out', async () => {
    const dir = outDir('paper');
    const run = await runCli(['verify', incomplete.packet, '--policy', incomplete.policyFile, ...NOW, '--report', 'paper.md'], { cwd: dir });
    expect(run.code).toBe(4);
    const paper = readFileSync(join(dir, 'paper.md'), 'utf8');
    expect(paper).toContain(`| SHA-256 | \`${createHash('sha256').update(readFileSync(incomplete.policyFile)).digest('hex')}\` |`);
    expect(paper).toMatch(/## Evidence\n\n3 files, 206 bytes;[\s\S]*\| payload\/evidence\/plan\.bin \| 9 \| `[0-9a-f]{64}` \|/);
    const json = await runCli(['verify', incomplete.packet, '--policy', incomplete.policyFile, ...NOW, '--format', 'json']);
    const parsed = JSON.parse(json.stdout);
    const facts = parsed.facts ?? parsed.report?.facts;
    expect(facts.evidence).toBeUndefined();
    expect(facts.policy.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test('a failed packet exits 1 and its report names the failure', async () => {
    const dir = outDir('fail');
    const run = await runCli(['verify', join(tamperedDir, 'tampered-packet'), '--integrity-only', ...NOW, '--report', 'r.md', '--format', 'json'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).verdict).toBe('fail');
    expect(readFileSync(join(dir, 'r.md'), 'utf8')).toContain('`FILE_MODIFIED`');
  });

  test('an unknown extension is a usage error (exit 2) and nothing is written', async () => {
    const dir = outDir('bad-ext');
    const run = await runCli(['verify', clean, '--integrity-only', ...NOW, '--report', 'report.pdf'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^packet: /);
    expect(run.stderr).toContain('hint: ');
    expect(readdirSync(dir)).toEqual([]);
  });

  test('a folder that does not exist is an environment error (exit 3), no stack trace', async () => {
    const dir = outDir('missing');
    const run = await runCli(['verify', clean, '--integrity-only', ...NOW, '--report', 'no/such/folder/r.html'], { cwd: dir });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^packet: /);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'no'))).toBe(false);
  });
});

describe('packet verify --format markdown|html', () => {
  test('markdown prints the Markdown report (integrity only: INTACT)', async () => {
    const run = await runCli(['verify', clean, '--integrity-only', ...NOW, '--format', 'markdown']);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe(`# Evidence packet verification: ${INTACT}`);
    expect(run.stdout).not.toContain('PASS');
  });

  test('html prints the HTML page', async () => {
    const run = await runCli(['verify', incomplete.packet, '--policy', incomplete.policyFile, ...NOW, '--format', 'html']);
    expect(run.code).toBe(4);
    expect(run.stdout.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(run.stdout).toContain('Alice Example (alice)');
  });

  test('an unknown format is still a usage error', async () => {
    const run = await runCli(['verify', clean, '--integrity-only', '--format', 'pdf']);
    expect(run.code).toBe(2);
  });
});
