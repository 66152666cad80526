/**
 * The redaction corpus (test/redact/corpus/*.yaml): secrets as real tools write them, one file
 * per finding class, each case with the secrets that must be gone and the values evidence needs
 * kept. Done means 0 secrets left and 0 keep-values removed, through the library and through a
 * real build; and the final scan (rules and leak gate) passes the redacted output.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { canonicalize } from 'json-canonicalize';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCorpus, scoreRedactor } from '../../bench/lib/corpus.mjs';
import { buildPacket } from '../../src/packet/index.js';
import { defaultRuleSet, redactJsonValue, redactText, scanForSecrets } from '../../src/redact/index.js';
import { makeTempDir } from '../helpers/cli.js';

const rules = defaultRuleSet();
const cases = loadCorpus();

/** What the builder does to one file: JSON redacted structurally and canonicalized, other text line by line. */
function redactAsBuilt(text: string, path: string): string {
  if (path.endsWith('.json')) return canonicalize(redactJsonValue(JSON.parse(text), rules, { path }).value);
  return redactText(text, rules, { path }).text;
}

describe('redaction corpus', () => {
  it('is big enough to mean something: at least 60 secrets and 30 keep-values', () => {
    const secrets = cases.reduce((n, c) => n + c.secrets.length, 0);
    const keeps = cases.reduce((n, c) => n + c.keep.length, 0);
    expect(secrets).toBeGreaterThanOrEqual(60);
    expect(keeps).toBeGreaterThanOrEqual(30);
    for (const c of cases) for (const value of [...c.secrets, ...c.keep]) if (!c.path.endsWith('.json')) expect(c.text, `${c.name}: ${value}`).toContain(value);
  });

  for (const c of cases) {
    it(`${c.class}: ${c.name}`, () => {
      const out = redactAsBuilt(c.text, c.path);
      for (const secret of c.secrets) expect(out.includes(secret), `secret left: ${c.name}`).toBe(false);
      for (const keep of c.keep) expect(out, `keep-value removed`).toContain(keep);
      expect(scanForSecrets(out, rules, { path: c.path }), 'final scan on the redacted output').toEqual([]);
      if (c.secrets.length > 0) expect(out).toMatch(/\[REDACTED:[a-z0-9.-]+\]/);
      else if (!c.path.endsWith('.json')) expect(out).toBe(c.text);
    });
  }

  it('scores 100% recall and 100% precision', () => {
    const score = scoreRedactor(cases, redactAsBuilt);
    expect({ left: score.left, lost: score.lost }).toEqual({ left: [], lost: [] });
    expect(score.removed).toBe(score.secrets);
    expect(score.kept).toBe(score.keeps);
  });
});

const temp = makeTempDir('packet-corpus-');
afterAll(() => temp.cleanup());

describe('redaction corpus through packet build', () => {
  it('builds, and the payload holds no secret and every keep-value', async () => {
    const evidence = join(temp.path, 'evidence');
    const files = cases.map((c, i) => ({ c, rel: `${c.class}/${String(i).padStart(3, '0')}-${c.path.replace(/\//g, '-')}` }));
    for (const { c, rel } of files) {
      mkdirSync(dirname(join(evidence, rel)), { recursive: true });
      writeFileSync(join(evidence, rel), c.text);
    }
    const out = join(temp.path, 'out/');
    const result = await buildPacket({ inputs: ['evidence'], out, created: new Date('2026-01-31T12:00:00Z'), cwd: temp.path });
    expect(result.metadata.redaction.total).toBeGreaterThanOrEqual(cases.reduce((n, c) => n + c.secrets.length, 0) - 10);
    for (const { c, rel } of files) {
      const payload = readFileSync(join(out, 'payload/evidence', rel), 'utf8');
      for (const secret of c.secrets) expect(payload.includes(secret) || payload.includes(JSON.stringify(secret).slice(1, -1)), `secret left: ${c.name}`).toBe(false);
      for (const keep of c.keep) expect(payload, `${c.name}`).toContain(keep);
    }
    const meta = readFileSync(join(out, 'packet.json'), 'utf8');
    for (const c of cases) for (const secret of c.secrets) expect(meta.includes(secret), 'packet.json never names a secret').toBe(false);
  });
});
