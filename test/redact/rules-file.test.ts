import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PacketError } from '../../src/core/errors.js';
import { DEFAULT_RULES, GATE_CHECKS, LEFTOVER_RULES, STRUCTURAL_RULES, loadRuleSet, redactText, scanForSecrets } from '../../src/redact/index.js';
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
      // An unknown field is reported on its own line (it used to be the line of its rule).
      [`${HEAD}rules:\n  - id: x\n    regex: a\n    colour: red\n`, 'RULES_FILE_SCHEMA', 6],
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

  it('names a misspelled field and the field it was probably meant to be', async () => {
    const rule = await loadError(`${HEAD}rules:\n  - id: acme\n    regx: 'acme_[a-z0-9]{12}'\n`);
    expect(rule.code).toBe('RULES_FILE_SCHEMA');
    expect(rule.message).toContain('unknown field "regx" (did you mean "regex"?)');
    expect(rule.line).toBe(5);
    const allow = await loadError(`${HEAD}allow:\n  - value: x\n    rule: [jwt]\n`);
    expect(allow.message).toContain('unknown field "rule" (did you mean "rules"?)');
    const top = await loadError(`${HEAD}allowlist:\n  - value: x\n`);
    expect(top.message).toContain('unknown field "allowlist" (did you mean "allow"?)');
  });

  it('a custom rule clears a leftover the final scan reports, whatever the case of its keyword', async () => {
    const defaults = await loadRuleSet();
    // Short Stripe key: too short for the stripe-key rule, but both final-scan detectors see it.
    const line = 'charge ok ZetaCode=Zk9 sk_live_abc123XYZ9\n';
    expect(scanForSecrets(redactText(line, defaults).text, defaults).map((f) => f.rule)).toEqual(['leftover-token-prefix', 'gate-token-prefix']);
    const rules = await loadRuleSet(write('rules.yaml', `${HEAD}rules:\n  - id: stripe-short\n    regex: 'sk_live_[A-Za-z0-9]+'\n    keywords: [SK_Live_]\n  - id: zeta\n    regex: 'ZetaCode=(\\w+)'\n    group: 1\n    keywords: [ZetaCode]\n`));
    const out = redactText(line, rules).text;
    expect(out).toBe('charge ok ZetaCode=[REDACTED:zeta] [REDACTED:stripe-short]\n');
    expect(scanForSecrets(out, rules)).toEqual([]);
  });

  it('allow-lists a false positive by rule and path, for redaction and for the leak gate', async () => {
    const rules = await loadRuleSet(
      write('rules.yaml', `${HEAD}allow:\n  - rules: [high-entropy-key-value, gate-high-entropy]\n    paths: ['fixtures/**']\n    reason: test vectors, not keys\n`),
    );
    const text = 'signing_key: 8fK2pQ9xLm4Rt7Vw1Zb3Nc6Hd0Jg5Ys\n';
    expect(redactText(text, rules, { path: 'fixtures/vectors.yaml' }).text).toBe(text);
    expect(scanForSecrets(text, rules, { path: 'fixtures/vectors.yaml' })).toEqual([]);
    expect(redactText(text, rules, { path: 'logs/app.yaml' }).text).toBe('signing_key: [REDACTED:high-entropy-key-value]\n');
    expect(scanForSecrets(text, rules, { path: 'logs/app.yaml' }).map((f) => f.rule)).toEqual(['high-entropy-key-value', 'gate-high-entropy']);
  });

  it('refuses a missing file', async () => {
    const error = await loadRuleSet(join(makeTempDir().path, 'absent.yaml')).catch((e: unknown) => e as PacketError);
    expect((error as PacketError).code).toBe('RULES_FILE_UNREADABLE');
  });
});

describe('documentation and API', () => {
  it('docs/redaction.md lists every rule id', () => {
    const doc = readFileSync(join(PROJECT_ROOT, 'docs/redaction.md'), 'utf8');
    for (const rule of [...DEFAULT_RULES, ...LEFTOVER_RULES, ...STRUCTURAL_RULES, ...GATE_CHECKS]) expect(doc, rule.id).toContain(`\`${rule.id}\``);
  });
  it('keeps the exports others call', () => {
    for (const name of ['defaultRuleSet', 'loadRuleSet', 'redactText', 'redactJsonValue', 'createTextRedactor', 'scanForSecrets', 'findSecretsInText', 'isSecretKeyName', 'leakGate', 'isHintKeyName', 'looksRandom']) {
      expect(typeof (api as Record<string, unknown>)[name], name).toBe('function');
    }
  });
});
