import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PacketError } from '../../src/core/errors.js';
import { DEFAULT_RULES, LEFTOVER_RULES, STRUCTURAL_RULES, loadRuleSet, redactText, scanForSecrets } from '../../src/redact/index.js';
import * as api from '../../src/redact/index.js';
import { makeTempDir, PROJECT_ROOT } from '../helpers/cli.js';

function write(name: string, text: string): string {
  const dir = makeTempDir().path;
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function loadError(text: string, name = 'rules.yaml'): Promise<PacketError> {
  const error = await loadRuleSet(write(name, text)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PacketError);
  expect((error as PacketError).kind).toBe('usage');
  return error as PacketError;
}

const HEAD = 'apiVersion: evidence-packet/v1\nkind: RedactionRules\n';

describe('rules file', () => {
  it('adds a rule (YAML) whose capture group is redacted, and keeps the defaults', async () => {
    const rules = await loadRuleSet(write('rules.yaml', `${HEAD}rules:\n  - id: acme-key\n    regex: 'acme_key=(acme_[a-z0-9]{12})'\n    group: 1\n    keywords: [acme_]\n`));
    const { text, records } = redactText('call acme_key=acme_abcdef123456 AKIAZ7Q3VX4LM2NB6P5W', rules);
    expect(text).toBe('call acme_key=[REDACTED:acme-key] [REDACTED:aws-access-key-id]');
    expect(records.map((r) => r.rule)).toEqual(['acme-key', 'aws-access-key-id']);
    expect(rules.source).toMatch(/^default\+/);
  });

  it('loads JSON, and a rule without keywords uses its regex as prefilter', async () => {
    const rules = await loadRuleSet(write('rules.json', JSON.stringify({ apiVersion: 'evidence-packet/v1', kind: 'RedactionRules', rules: [{ id: 'tok', regex: 'T0K-[0-9]{6}' }] })));
    expect(redactText('a T0K-123456 b', rules).text).toBe('a [REDACTED:tok] b');
  });

  it('allow-lists exact values, regexes, and paths (optionally per rule)', async () => {
    const rules = await loadRuleSet(
      write(
        'rules.yaml',
        `${HEAD}allow:\n  - value: AKIAIOSFODNN7EXAMPLE\n    reason: AWS documentation example\n  - regex: '^glpat-EXAMPLE'\n  - paths: ['docs/**']\n    rules: [jwt]\n`,
      ),
    );
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N';
    const input = `AKIAIOSFODNN7EXAMPLE glpat-EXAMPLE000000000000000 ${jwt} AKIAZ7Q3VX4LM2NB6P5W`;
    expect(redactText(input, rules, { path: 'docs/api/auth.md' }).text).toBe(`AKIAIOSFODNN7EXAMPLE glpat-EXAMPLE000000000000000 ${jwt} [REDACTED:aws-access-key-id]`);
    expect(redactText(input, rules, { path: 'logs/run.log' }).text).toContain('[REDACTED:jwt]');
    expect(scanForSecrets('AKIAIOSFODNN7EXAMPLE', rules)).toEqual([]);
  });

  it('refuses bad files with a usage error, a stable code, file and line', async () => {
    const cases: [string, string, number | undefined][] = [
      [`${HEAD}rules: [`, 'RULES_FILE_SYNTAX', undefined],
      [`${HEAD}rules:\n  - id: x\n    regex: a\n    colour: red\n`, 'RULES_FILE_SCHEMA', 4],
      [`apiVersion: v0\nkind: RedactionRules\n`, 'RULES_FILE_SCHEMA', 1],
      [`${HEAD}rules:\n  - id: Bad_Id\n    regex: a\n`, 'RULES_FILE_SCHEMA', 4],
      [`${HEAD}rules:\n  - id: x\n    regex: '(unclosed'\n`, 'RULES_INVALID_REGEX', 5],
      [`${HEAD}rules:\n  - id: x\n    regex: '(a+)+$'\n`, 'RULES_UNSAFE_REGEX', 5],
      [`${HEAD}rules:\n  - id: x\n    regex: 'a*'\n`, 'RULES_REGEX_MATCHES_EMPTY', 4],
      [`${HEAD}rules:\n  - id: x\n    regex: 'a(b)'\n    group: 2\n`, 'RULES_UNKNOWN_GROUP', 4],
      [`${HEAD}rules:\n  - id: jwt\n    regex: 'abc'\n`, 'RULES_DUPLICATE_ID', 4],
      [`${HEAD}allow:\n  - reason: nothing to match\n`, 'RULES_FILE_SCHEMA', 4],
      [`${HEAD}allow:\n  - regex: '['\n`, 'RULES_INVALID_REGEX', 4],
    ];
    for (const [text, code, line] of cases) {
      const error = await loadError(text);
      expect(error.code, text).toBe(code);
      expect(error.file).toMatch(/rules\.yaml$/);
      if (line !== undefined) expect(error.line, text).toBe(line);
    }
  });

  it('refuses a missing file', async () => {
    const error = await loadRuleSet(join(makeTempDir().path, 'absent.yaml')).catch((e: unknown) => e as PacketError);
    expect((error as PacketError).code).toBe('RULES_FILE_UNREADABLE');
  });
});

describe('documentation and API', () => {
  it('docs/redaction.md lists every rule id', () => {
    const doc = readFileSync(join(PROJECT_ROOT, 'docs/redaction.md'), 'utf8');
    for (const rule of [...DEFAULT_RULES, ...LEFTOVER_RULES, ...STRUCTURAL_RULES]) expect(doc, rule.id).toContain(`\`${rule.id}\``);
  });
  it('keeps the exports others call', () => {
    for (const name of ['defaultRuleSet', 'loadRuleSet', 'redactText', 'redactJsonValue', 'createTextRedactor', 'scanForSecrets', 'findSecretsInText', 'isSecretKeyName']) {
      expect(typeof (api as Record<string, unknown>)[name], name).toBe('function');
    }
  });
});
