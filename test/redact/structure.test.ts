import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createTextRedactor, defaultRuleSet, redactJsonValue, redactText, scanForSecrets } from '../../src/redact/index.js';
import { MAX_LINE_CHARS } from '../../src/redact/index.js';

const rules = defaultRuleSet();
const PEM_BODY = ['MIIEowIBAAKCAQEAx9Qm3v', 'Zq1kLx0bN4mJr8sTu2WvY', 'uP0oIcXaNsB1dQeR3fGhJ'];
const PEM = ['-----BEGIN RSA PRIVATE KEY-----', ...PEM_BODY, '-----END RSA PRIVATE KEY-----'].join('\n');

async function streamRedact(chunks: Buffer[]): Promise<{ text: string; records: unknown }> {
  const redactor = createTextRedactor(rules);
  const out: Buffer[] = [];
  redactor.on('data', (b: Buffer) => out.push(b));
  await new Promise<void>((resolve, reject) => {
    Readable.from(chunks).pipe(redactor).on('end', resolve).on('error', reject);
    redactor.on('error', reject);
  });
  return { text: Buffer.concat(out).toString('utf8'), records: redactor.records() };
}

function cut(bytes: Buffer, points: number[]): Buffer[] {
  const sorted = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let last = 0;
  for (const p of sorted) {
    chunks.push(bytes.subarray(last, p));
    last = p;
  }
  chunks.push(bytes.subarray(last));
  return chunks.filter((c) => c.length > 0);
}

describe('PEM private key blocks', () => {
  for (const label of ['RSA PRIVATE KEY', 'EC PRIVATE KEY', 'OPENSSH PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'PRIVATE KEY', 'PGP PRIVATE KEY BLOCK']) {
    it(`redacts a multi-line ${label} block whole`, () => {
      const block = [`-----BEGIN ${label}-----`, ...PEM_BODY, `-----END ${label}-----`].join('\n');
      const { text, records } = redactText(`before\nkey: |\n${block}\nafter\n`, rules);
      expect(text).toBe('before\nkey: |\n[REDACTED:pem-private-key]\nafter\n');
      expect(records).toEqual([{ rule: 'pem-private-key', count: 1, lines: [3] }]);
      expect(scanForSecrets(text, rules)).toEqual([]);
    });
  }
  it('keeps text around BEGIN and END on the same lines', () => {
    expect(redactText(`x = "${PEM.replace('\n-----END', '\n-----END')}" # tail`, rules).text).toBe('x = "[REDACTED:pem-private-key]" # tail');
  });
  it('drops everything after an unterminated block (fail safe)', () => {
    expect(redactText(`a\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\nrest`, rules).text).toBe('a\n[REDACTED:pem-private-key]');
  });
  it('the final scan catches a leftover private key header', () => {
    const findings = scanForSecrets('ok\n-----BEGIN OPENSSH PRIVATE KEY', rules);
    // Both detectors of the final scan see it: the rules' leftover detector and the leak gate.
    expect(findings.map((f) => [f.rule, f.line])).toEqual([['leftover-private-key-header', 2], ['gate-private-key', 2]]);
  });
});

describe('YAML structure', () => {
  it('redacts Kubernetes Secret data and stringData values, kind before data', () => {
    const yaml = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  username: YWRtaW4=\n  password: czNjcjN0\nstringData:\n  config.yaml: |\n    host: db\n    pass: hunter2\ntype: Opaque\n';
    const { text, records } = redactText(yaml, rules, { path: 'k8s/secret.yaml' });
    expect(text).not.toContain('YWRtaW4=');
    expect(text).not.toContain('czNjcjN0');
    expect(text).not.toContain('hunter2');
    expect(text).toContain('  username: [REDACTED:k8s-secret-data]\n');
    expect(text).toContain('metadata:\n  name: db\n');
    expect(text).toContain('type: Opaque\n');
    expect(records).toEqual([{ rule: 'k8s-secret-data', count: 3, lines: [6, 7, 9] }]);
    expect(scanForSecrets(text, rules)).toEqual([]);
  });
  it('redacts Secret data when kind comes after data (kubectl sorts keys)', () => {
    const yaml = 'apiVersion: v1\ndata:\n  token: c2VjcmV0LXRva2Vu\nkind: Secret\n---\napiVersion: v1\ndata:\n  color: Ymx1ZQ==\nkind: ConfigMap\n';
    const { text } = redactText(yaml, rules);
    expect(text).not.toContain('c2VjcmV0LXRva2Vu');
    expect(text).toContain('color: Ymx1ZQ==');
  });
  it('redacts every item of a List of Secrets', () => {
    const yaml = 'apiVersion: v1\nitems:\n- apiVersion: v1\n  data:\n    key: QUJDREVGRw==\n  kind: Secret\nkind: List\n';
    expect(redactText(yaml, rules).text).toContain('    key: [REDACTED:k8s-secret-data]');
  });
  it('leaves ConfigMap data alone', () => {
    const yaml = 'kind: ConfigMap\ndata:\n  mode: fast\n';
    expect(redactText(yaml, rules).text).toBe(yaml);
  });
  it('redacts a block scalar under a secret-named key', () => {
    const yaml = 'db:\n  password: |\n    line-one\n    line-two\n  host: db\n';
    const { text, records } = redactText(yaml, rules);
    expect(text).toBe('db:\n  password: |\n    [REDACTED:secret-key-value]\n    [REDACTED:secret-key-value]\n  host: db\n');
    expect(records).toEqual([{ rule: 'secret-key-value', count: 1, lines: [2] }]);
  });
});

describe('records', () => {
  it('count every secret and list each line once, never the value', () => {
    const secret = 'AKIAZ7Q3VX4LM2NB6P5W';
    const { records } = redactText(`${secret} ${secret}\nnone\n${secret}\n`, rules);
    expect(records).toEqual([{ rule: 'aws-access-key-id', count: 3, lines: [1, 3] }]);
    expect(JSON.stringify(records)).not.toContain(secret);
  });
  it('redaction is idempotent', () => {
    const input = `password: x1y2z3\n${PEM}\nurl=https://u:pw12345@h/\n`;
    const once = redactText(input, rules).text;
    expect(redactText(once, rules)).toEqual({ text: once, records: [] });
  });
});

describe('structured JSON', () => {
  it('redacts secret-named keys, Kubernetes Secrets and text inside strings, with JSON pointers', () => {
    const input = {
      user: 'bob',
      password: 'pa55word',
      port: 5432,
      secret_ref: 'tenants/x/db',
      nested: { api_key: 12345678, 'a/b': 'Authorization: Bearer abcdef0123456789' },
      credentials: { username: 'svc', password: 'pw', secretName: 'db-creds' },
      items: [{ kind: 'Secret', data: { tls: 'dGxzLWtleQ==' } }],
      digest: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      flag: { token: true, secret: null },
    };
    const { value, records } = redactJsonValue(input, rules);
    expect(value).toEqual({
      user: 'bob',
      password: '[REDACTED:secret-key-value]',
      port: 5432,
      secret_ref: 'tenants/x/db',
      nested: { api_key: '[REDACTED:secret-key-value]', 'a/b': 'Authorization: Bearer [REDACTED:bearer-token]' },
      credentials: { username: '[REDACTED:secret-key-value]', password: '[REDACTED:secret-key-value]', secretName: 'db-creds' },
      items: [{ kind: 'Secret', data: { tls: '[REDACTED:k8s-secret-data]' } }],
      digest: input.digest,
      flag: { token: true, secret: null },
    });
    expect(records).toEqual([
      { rule: 'bearer-token', count: 1, pointers: ['/nested/a~1b'] },
      { rule: 'k8s-secret-data', count: 1, pointers: ['/items/0/data/tls'] },
      { rule: 'secret-key-value', count: 4, pointers: ['/password', '/nested/api_key', '/credentials/username', '/credentials/password'] },
    ]);
    expect(input.password).toBe('pa55word');
    expect(scanForSecrets(JSON.stringify(value), rules)).toEqual([]);
  });
});

describe('streaming', () => {
  const sample = [
    'plain log line 1',
    'Authorization: Bearer abcdef0123456789xyz',
    PEM,
    'tail after pem AKIAZ7Q3VX4LM2NB6P5W',
    'kind: Secret',
    'data:',
    '  k: dmFsdWU=',
    '---',
    'data:',
    '  k: cGxhaW4=',
    'kind: ConfigMap',
    'DB_PASSWORD=hunter2 # comment',
    'unicode ✓ line with €',
  ].join('\n');

  it('gives byte-identical output and records whatever the chunk boundaries (property)', async () => {
    const expected = redactText(sample, rules);
    const bytes = Buffer.from(sample, 'utf8');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: bytes.length }), { maxLength: 12 }), async (points) => {
        const got = await streamRedact(cut(bytes, points));
        expect(got.text).toBe(expected.text);
        expect(got.records).toEqual(expected.records);
      }),
      { numRuns: 150 },
    );
  });

  it('matches redactText on generated text built from secrets and noise (property)', async () => {
    const piece = fc.constantFrom('x', ' ', '\n', 'password: ab12', 'AKIAZ7Q3VX4LM2NB6P5W', '-----BEGIN EC PRIVATE KEY-----', '-----END EC PRIVATE KEY-----', 'data:', 'kind: Secret', '---', '  k: v', '€', 'ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5');
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 8 }), async (pieces, points) => {
        const text = pieces.join('');
        const bytes = Buffer.from(text, 'utf8');
        const got = await streamRedact(cut(bytes, points));
        expect(got.text).toBe(redactText(text, rules).text);
      }),
      { numRuns: 200 },
    );
  });

  it('handles a single line longer than the bound, secret included, same as redactText', async () => {
    const filler = 'word '.repeat(Math.ceil((MAX_LINE_CHARS * 1.5) / 5));
    const text = `${filler}AKIAZ7Q3VX4LM2NB6P5W ${filler}\nnext line`;
    const expected = redactText(text, rules);
    expect(expected.text).not.toContain('AKIAZ7Q3VX4LM2NB6P5W');
    const got = await streamRedact(cut(Buffer.from(text), [65536, 1000003, 2000000, 3000000]));
    expect(got.text).toBe(expected.text);
    expect(got.records).toEqual(expected.records);
  });

  it('does not crash on binary-looking input', async () => {
    const bytes = Buffer.from(Array.from({ length: 70000 }, (_, i) => (i * 7919) % 256));
    const got = await streamRedact(cut(bytes, [100, 5000, 33333]));
    expect(got.text).toBe(redactText(bytes.toString('utf8'), rules).text);
  });
});
