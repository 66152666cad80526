import { describe, expect, it } from 'vitest';
import { defaultRuleSet, findSecretsInText, isSecretKeyName, redactText, scanForSecrets } from '../../src/redact/index.js';

const rules = defaultRuleSet();

/** Each case: input containing `secret`; after redaction the secret is gone and the marker names the rule. */
const POSITIVE: { rule: string; text: string; secret: string }[] = [
  { rule: 'aws-access-key-id', text: 'key AKIAZ7Q3VX4LM2NB6P5W used', secret: 'AKIAZ7Q3VX4LM2NB6P5W' },
  { rule: 'aws-secret-access-key', text: 'aws_secret_access_key = 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', secret: 'wJalrXUtnFEMIK7MDENGbPxRfiCYzq3Vb8Lp0aQ2' },
  { rule: 'github-token', text: 'GITHUB=x ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5 end', secret: 'ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5' },
  { rule: 'github-token', text: 'pat github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTU', secret: 'github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTU' },
  { rule: 'gitlab-token', text: 'curl -H "PRIVATE-TOKEN: glpat-Xy7zQ2wE9rT4uI8oP1aS" https://gitlab', secret: 'glpat-Xy7zQ2wE9rT4uI8oP1aS' },
  { rule: 'slack-token', text: 'slack: xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx', secret: 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx' },
  { rule: 'slack-webhook', text: 'POST https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX', secret: 'T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX' },
  { rule: 'vault-token', text: 'VAULT: hvs.CAESIJ3x9kLmN0pQrStUvWxYz12AbCdEfGhIjKl', secret: 'hvs.CAESIJ3x9kLmN0pQrStUvWxYz12AbCdEfGhIjKl' },
  { rule: 'vault-token', text: 'login with s.Ab3De5Gh7Jk9Mn1Pq3St5Vw7 ok', secret: 's.Ab3De5Gh7Jk9Mn1Pq3St5Vw7' },
  { rule: 'vault-token', text: 'batch b.Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2 ok', secret: 'b.Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2' },
  {
    rule: 'jwt',
    text: 'id_hint=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U&x',
    secret: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  },
  { rule: 'bearer-token', text: 'Authorization: Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0', secret: '9f8e7d6c5b4a39281706f5e4d3c2b1a0' },
  { rule: 'basic-auth', text: 'Authorization: Basic YWxpY2U6czNjcjN0UGFzcw==', secret: 'YWxpY2U6czNjcjN0UGFzcw==' },
  { rule: 'url-password', text: 'DSN postgres://app:Sup3rS3cret!@db.internal:5432/app', secret: 'Sup3rS3cret!' },
  { rule: 'url-password', text: 'amqp://guest:hunter2x@mq:5672/', secret: 'hunter2x' },
  { rule: 'connection-string-password', text: 'Server=db;Database=app;User Id=sa;Password=P@ssw0rd-77;Encrypt=true', secret: 'P@ssw0rd-77' },
  { rule: 'connection-string-password', text: 'host=db user=app password=libpqS3cret sslmode=require', secret: 'libpqS3cret' },
  { rule: 'env-secret-assignment', text: 'DB_PASSWORD=correct horse battery', secret: 'correct horse battery' },
  { rule: 'env-secret-assignment', text: 'export API_TOKEN="t0k3n-value-here"', secret: 't0k3n-value-here' },
  { rule: 'secret-key-value', text: '  password: hunter2hunter2 # old', secret: 'hunter2hunter2' },
  { rule: 'secret-key-value', text: '{"user": "bob", "client_secret": "cs-9a8b7c6d"}', secret: 'cs-9a8b7c6d' },
  { rule: 'secret-key-value', text: 'user: bob, apiKey: k-123456, region: eu', secret: 'k-123456' },
  { rule: 'secret-key-value', text: 'private_key: abcdefPRIVATE', secret: 'abcdefPRIVATE' },
  { rule: 'secret-key-value', text: 'credentials: admin:admin123', secret: 'admin:admin123' },
  { rule: 'secret-key-value', text: 'passwd: p4ss', secret: 'p4ss' },
  { rule: 'pem-private-key', text: '{"key":"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBg\\n-----END PRIVATE KEY-----\\n"}', secret: 'MIIEvQIBADANBg' },
];

describe('default rules: positive', () => {
  for (const [index, c] of POSITIVE.entries()) {
    it(`${c.rule} #${index}`, () => {
      const { text, records } = redactText(c.text, rules);
      expect(text).not.toContain(c.secret);
      expect(text).toContain(`[REDACTED:${c.rule}]`);
      expect(records.map((r) => r.rule)).toContain(c.rule);
      expect(JSON.stringify(records)).not.toContain(c.secret);
      expect(findSecretsInText(c.text, rules).map((f) => f.rule)).toContain(c.rule);
      expect(scanForSecrets(text, rules)).toEqual([]);
    });
  }
});

/** Near misses for each rule, and what evidence needs kept: nothing here may be redacted. */
const NEGATIVE: { why: string; text: string }[] = [
  { why: 'aws: too short, lower case', text: 'AKIA1234 and akiaz7q3vx4lm2nb6p5w' },
  { why: 'aws secret without its key name', text: 'value wJalrXUtnFEMIK7MDENGbPxRfiCYzq3Vb8Lp0aQ2' },
  { why: 'github: short', text: 'ghp_short and gh_pages branch' },
  { why: 'gitlab: short', text: 'glpat-abc' },
  { why: 'slack: word', text: 'xoxb- is the prefix of bot tokens' },
  { why: 'vault legacy: hex or all lower', text: 'files s.0123456789abcdef01234567 and b.abcdefghijklmnopqrstuvwx' },
  { why: 'jwt: one part', text: 'eyJhbGciOiJIUzI1NiJ9 alone' },
  { why: 'bearer: word', text: 'the bearer of this letter' },
  { why: 'url without password', text: 'https://user@example.com/path and https://example.com:8443/x' },
  { why: 'url password placeholder', text: 'postgres://app:${DB_PASSWORD}@db:5432/app' },
  { why: 'sha256 digest', text: 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' },
  { why: 'sha1 / git commit', text: 'commit 3b18e512dba79e4c8300dd08aeb37f8e728b8dad (HEAD -> main)' },
  { why: 'sha512', text: 'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e' },
  { why: 'openpgp fingerprint', text: 'fingerprint: 5B1E3C4D6F7A8B9C0D1E2F3A4B5C6D7E8F9A0B1C' },
  { why: 'openpgp fingerprint, spaced', text: 'Key fingerprint = 5B1E 3C4D 6F7A 8B9C 0D1E  2F3A 4B5C 6D7E 8F9A 0B1C' },
  { why: 'uuid', text: 'request_id: 123e4567-e89b-12d3-a456-426614174000' },
  { why: 'secret_ref', text: 'secret_ref: tenants/x/db' },
  { why: 'secretRef', text: 'secretRef: tenants/acme/queue' },
  { why: '*_path and *_ref', text: 'password_path: /run/secrets/db\ntoken_ref: vault/kv/api' },
  { why: 'vault placeholder', text: 'password: vault:secret/data/db#password' },
  { why: 'env reference', text: 'token: ${API_TOKEN}\nDB_PASSWORD=${DB_PASSWORD}' },
  { why: 'template and angle placeholders', text: 'password: "{{ .Values.db.password }}"\nsecret: <from-vault>' },
  { why: 'empty and null values', text: 'password:\npassword: ""\ntoken: null\nsecret: ~' },
  { why: 'non-secret keys with secret words', text: 'token_count: 42\nsecret_name: db-creds\nmax_tokens: 100\npassword_policy: strong' },
  { why: 'markers are not re-redacted', text: 'password: [REDACTED:secret-key-value]' },
  { why: 'public key / certificate', text: '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----' },
];

describe('default rules: negative and evidence that must stay', () => {
  for (const c of NEGATIVE) {
    it(c.why, () => {
      const { text, records } = redactText(c.text, rules);
      expect(text).toBe(c.text);
      expect(records).toEqual([]);
      expect(scanForSecrets(c.text, rules)).toEqual([]);
    });
  }
});

describe('isSecretKeyName', () => {
  it('names secrets in any case style', () => {
    for (const key of ['password', 'DB_PASSWORD', 'clientSecret', 'api_key', 'API-KEY', 'apiKey', 'private_key', 'privateKey', 'credentials', 'auth.token', 'passwd', 'pwd']) {
      expect(isSecretKeyName(key), key).toBe(true);
    }
  });
  it('does not name references or descriptions', () => {
    for (const key of ['secret_ref', 'secretRef', 'password_path', 'token_ttl', 'secretName', 'tokens', 'keyboard', 'api_key_id', 'monkey', 'passport', 'secrets']) {
      expect(isSecretKeyName(key), key).toBe(false);
    }
  });
});

describe('findings', () => {
  it('give rule, 1-based line and column and offsets, never the value', () => {
    const text = 'first line\n  AKIAZ7Q3VX4LM2NB6P5W\n';
    const [finding] = findSecretsInText(text);
    expect(finding).toEqual({ rule: 'aws-access-key-id', line: 2, column: 3, start: 13, end: 33 });
  });
});
