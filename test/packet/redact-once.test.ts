/**
 * A build scans clean text once instead of redacting it and then scanning the result
 * (redactThenScan in src/packet/payload.ts). That is only right if, for every text the shortcut
 * takes, redaction would have changed nothing and recorded nothing: held here against the
 * redaction corpus, texts made from it, and the structural cases (YAML blocks, Kubernetes
 * Secrets, PEM keys) where redaction keeps state across lines.
 */
import { describe, expect, it } from 'vitest';
import { loadCorpus } from '../../bench/lib/corpus.mjs';
import { prepareBytes, redactThenScan, type PreparedPayload } from '../../src/packet/payload.js';
import { defaultRuleSet, redactText, scanClearsAscii, scanForSecrets } from '../../src/redact/index.js';

const rules = defaultRuleSet();
const corpus = loadCorpus() as { path: string; text: string }[];

const structural = [
  'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  username: YWRtaW4=\n  password: czNjcjN0\ntype: Opaque\n',
  'apiVersion: v1\ndata:\n  token: c2VjcmV0LXRva2Vu\nkind: Secret\n---\napiVersion: v1\ndata:\n  color: Ymx1ZQ==\nkind: ConfigMap\n',
  'kind: Secret\ndata:\n  empty:\n  other: |\n\n',
  'password: |\n\n\nnext: value\n',
  'db:\n  password: >-\n    s3cr3t-value-here\n  host: db.internal\n',
  'config:\n  note: |\n    plain text\n  retries: 3\n',
  `-----BEGIN PRIVATE KEY-----\n${'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC'.repeat(2)}\n-----END PRIVATE KEY-----\n`,
  'step applied: config revision 4f2a9c1 on host db-07, checks green, duration 412 ms\n'.repeat(40),
  'a -> b | c > d\nx: y\n',
];

/** Texts to try: each as it is, redacted (clean by design), and with its secret lines dropped. */
function texts(): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const c of [...corpus, ...structural.map((text, i) => ({ path: `payload/s${i}.yaml`, text }))]) {
    out.push(c);
    out.push({ path: c.path, text: redactText(c.text, rules, { path: c.path }).text });
    for (const line of c.text.split('\n')) out.push({ path: c.path, text: `${line}\n` });
  }
  return out;
}

describe('redacting clean text once', () => {
  it('gives what redacting and then scanning gives, for every text it is tried on', () => {
    let once = 0;
    let twice = 0;
    for (const { path, text } of texts()) {
      const full = redactText(text, rules, { path });
      const fullClean = scanForSecrets(full.text, rules, { path }).length === 0;
      let result: { text: string; records: unknown[] } | undefined;
      try {
        result = redactThenScan({ path }, text, rules);
      } catch {
        result = undefined;
      }
      // The same refusal, or the same text and records.
      expect(result === undefined).toBe(!fullClean);
      if (result !== undefined) expect(result).toEqual(full);
      if (full.text === text && full.records.length === 0) once += 1;
      else twice += 1;
    }
    // Both ways were taken many times: the check is not vacuous.
    expect(once).toBeGreaterThan(50);
    expect(twice).toBeGreaterThan(50);
  });

  it('takes ASCII text that the prefilters clear as read, and it is what redacting and scanning its text gives', () => {
    let asRead = 0;
    let decoded = 0;
    for (const { path: named, text } of [...texts(), ...structural.map((t) => ({ path: 'payload/log.txt', text: t }))]) {
      if (!/^[\x01-\x7f]*$/.test(text)) continue;
      // A .json file is canonicalized instead: not this path.
      const path = named.replace(/\.json$/i, '.txt');
      const bytes = Buffer.from(text, 'latin1');
      const file = { path, source: path, size: bytes.byteLength };
      let full: { text: string; records: unknown[] } | undefined;
      try {
        full = redactThenScan({ path }, text, rules);
      } catch {
        full = undefined;
      }
      let prepared: PreparedPayload | undefined;
      try {
        prepared = prepareBytes(file, bytes, { rules, strict: false, spoolDir: '' });
      } catch {
        prepared = undefined;
      }
      expect(prepared === undefined).toBe(full === undefined);
      if (prepared === undefined || full === undefined) continue;
      expect(Buffer.from(prepared.content as Uint8Array).toString('latin1')).toBe(full.text);
      expect(prepared.records).toEqual(full.records);
      if (scanClearsAscii(bytes, rules)) {
        expect(scanForSecrets(text, rules, { path })).toEqual([]);
        asRead += 1;
      } else decoded += 1;
    }
    expect(asRead).toBeGreaterThan(50);
    expect(decoded).toBeGreaterThan(50);
  });

  it('still records a YAML block opener that changes no text', () => {
    const text = 'password: |\n\nnext: value\n';
    const result = redactThenScan({ path: 'payload/a.yaml' }, text, rules);
    expect(result).toEqual(redactText(text, rules, { path: 'payload/a.yaml' }));
  });
});
