import { openSync, closeSync, ftruncateSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateContracts, parseContractText, MAX_CONTRACT_BYTES } from '../../src/contracts/index.js';
import { makeTempDir, runCli } from '../helpers/cli.js';
import { NOW } from './helpers.js';

let temp: { path: string; cleanup(): void };
beforeAll(() => {
  temp = makeTempDir('packet-hostile-');
});
afterAll(() => temp.cleanup());

function write(name: string, content: string | Buffer): string {
  const path = join(temp.path, name);
  writeFileSync(path, content);
  return path;
}

async function problemsOf(file: string): Promise<{ id: string; code: string; line?: number }[]> {
  const report = await validateContracts([file], { now: NOW });
  expect(report.verdict).toBe('fail');
  return report.checks.filter((c) => c.status === 'fail').map((c) => ({ id: c.id, code: c.code, line: c.location?.line }));
}

const aliasBomb = [
  'a: &a ["x","x","x","x","x","x","x","x","x"]',
  'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
  'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
  'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
  'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
  'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
  'kind: Tenant',
].join('\n');

describe('hostile input gives a reason code, never a crash', () => {
  const cases: [string, string, string | Buffer, string, number | undefined][] = [
    ['unparsable YAML', 'bad.yaml', 'kind: Tenant\nid: [unclosed\n', 'PARSE_ERROR', undefined],
    ['unparsable JSON', 'bad.json', '{"kind": "Tenant",, }', 'PARSE_ERROR', 1],
    ['JSON with a trailing comma that YAML would accept', 'trailing.json', '{"kind": "Tenant", "id": "x",}', 'PARSE_ERROR', undefined],
    ['duplicate keys in YAML', 'dup.yaml', 'kind: Tenant\nid: a\nid: b\n', 'DUPLICATE_KEY', 3],
    ['duplicate keys in JSON', 'dup.json', '{\n "kind": "Tenant",\n "kind": "Binding"\n}', 'DUPLICATE_KEY', 3],
    ['a YAML alias bomb', 'bomb.yaml', aliasBomb, 'ALIAS_LIMIT', undefined],
    ['a binary file', 'binary.yaml', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]), 'BINARY_FILE', undefined],
    ['invalid UTF-8', 'latin1.yaml', Buffer.from('kind: T\xe9nant\n', 'latin1'), 'BINARY_FILE', undefined],
    ['an empty file', 'empty.yaml', '', 'EMPTY_DOCUMENT', undefined],
    ['a file of only comments', 'comments.yaml', '# nothing here\n\n', 'EMPTY_DOCUMENT', undefined],
    ['a multi-document YAML', 'multi.yaml', 'kind: Tenant\n---\nkind: Binding\n', 'MULTIPLE_DOCUMENTS', 2],
    ['a file of unknown kind', 'unknown.yaml', 'apiVersion: evidence-packet/v1\nkind: Widget\n', 'UNKNOWN_KIND', 2],
    ['a file with no kind', 'nokind.yaml', 'apiVersion: evidence-packet/v1\n', 'KIND_MISSING', 1],
    ['a top-level list', 'list.yaml', '- kind: Tenant\n', 'KIND_MISSING', 1],
    ['a top-level scalar', 'scalar.yaml', 'just text\n', 'KIND_MISSING', 1],
    ['deep nesting', 'deep.yaml', '['.repeat(20_000) + ']'.repeat(20_000), 'PARSE_ERROR', undefined],
  ];
  for (const [title, name, content, code, line] of cases) {
    it(title, async () => {
      const problems = await problemsOf(write(name, content));
      expect(problems.map((p) => p.code)).toContain(code);
      if (line !== undefined) expect(problems.find((p) => p.code === code)?.line).toBe(line);
    });
  }

  it('deep nesting inside a kind gives a schema error, not a stack overflow', async () => {
    const problems = await problemsOf(write('deep-kind.yaml', `kind: Tenant\nx: ${'['.repeat(200)}${']'.repeat(200)}\n`));
    expect(problems.map((p) => p.id)).toContain('schema');
  });

  it('a 50 MB file is refused by size before it is read', async () => {
    const path = join(temp.path, 'huge.yaml');
    const fd = openSync(path, 'w');
    ftruncateSync(fd, 50 * 1024 * 1024);
    closeSync(fd);
    const started = performance.now();
    const problems = await problemsOf(path);
    // Nothing was left to check, which is said too (never a vacuous pass).
    expect(problems.map((p) => p.code)).toEqual(['FILE_TOO_LARGE', 'NO_DOCUMENTS']);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('bad files do not stop the others from being checked', async () => {
    const dir = join(temp.path, 'mixed');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.yaml'), 'kind: [\n');
    writeFileSync(join(dir, 'b.yaml'), 'apiVersion: evidence-packet/v1\nkind: Capacity\n');
    const report = await validateContracts([dir], { now: NOW });
    const codes = report.checks.filter((c) => c.status === 'fail').map((c) => c.code);
    expect(codes).toContain('PARSE_ERROR');
    expect(codes).toContain('SCHEMA_REQUIRED');
  });

  it('the CLI prints no stack trace for any of them', async () => {
    const run = await runCli(['validate', temp.path, '--now', NOW.toISOString()]);
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    expect(run.stderr).toBe('');
  });

  it('parseContractText refuses NUL bytes whatever the size limit', () => {
    const result = parseContractText('x.yaml', new Uint8Array([0x6b, 0, 0x3a]));
    expect(result.ok).toBe(false);
    expect(MAX_CONTRACT_BYTES).toBe(1024 * 1024);
  });
});

describe('problem reports never quote a secret from the input', () => {
  it('invalid JSON holding a token', async () => {
    const secret = 'ghp_' + 'a'.repeat(36);
    const file = write('leak.json', `{"kind": "Tenant", "note": "${secret}", }`);
    const report = await validateContracts([file], { now: NOW });
    expect(JSON.stringify(report)).not.toContain(secret);
    const run = await runCli(['validate', file, '--format', 'json', '--now', NOW.toISOString()]);
    expect(run.stdout + run.stderr).not.toContain(secret);
  });
});
