/**
 * The structural detectors one by one, beyond the corpus: the marker each uses, the exact span it
 * redacts (so evidence around it stays byte for byte), near misses, and hostile lines.
 */
import { describe, expect, it } from 'vitest';
import { defaultRuleSet, isHintKeyName, isKeepShapedValue, isSecretKeyName, looksRandom, redactJsonValue, redactText } from '../../src/redact/index.js';

const rules = defaultRuleSet();
const redact = (text: string): string => redactText(text, rules).text;

describe('exact spans', () => {
  const cases: [string, string][] = [
    ['postgres://app:p#ss/w?rd@db:5432/x', 'postgres://app:[REDACTED:url-password]@db:5432/x'],
    ['amqp://u:a@b@mq/v', 'amqp://u:[REDACTED:url-password]@mq/v'],
    ['jdbc:postgresql://db/app?user=app&password=S3#x&ssl=true', 'jdbc:postgresql://db/app?user=app&password=[REDACTED:connection-string-password]&ssl=true'],
    ['Server=s;Password=a b;Encrypt=1;', 'Server=s;Password=[REDACTED:connection-string-password];Encrypt=1;'],
    ['Uid=u;Pwd={x;y};Z=1', 'Uid=u;Pwd=[REDACTED:connection-string-password];Z=1'],
    ['AccountName=a;AccountKey=q1w2+/==;Suffix=x', 'AccountName=a;AccountKey=[REDACTED:connection-string-password];Suffix=x'],
    // A key=value pair after a blank is also a connection-string pair; that rule ranks first.
    ["+ PGPASSWORD='a b' psql -h db", '+ PGPASSWORD=[REDACTED:connection-string-password] psql -h db'],
    ['+ PGPASSWORD=a$(b c)d psql -h db', '+ PGPASSWORD=[REDACTED:connection-string-password] psql -h db'],
    ['x=1 `PGPASSWORD=a$(b c)d psql`', 'x=1 `PGPASSWORD=[REDACTED:shell-secret-assignment] psql`'],
    ['PGPASSWORD=abc9 psql -h db', 'PGPASSWORD=[REDACTED:env-secret-assignment] psql -h db'],
    ['SMTP_PASSWORD=two words here', 'SMTP_PASSWORD=[REDACTED:env-secret-assignment]'],
    ['docker run -e DB_PASSWORD=x9y -p 80:80 img', 'docker run -e DB_PASSWORD=[REDACTED:connection-string-password] -p 80:80 img'],
    ['tool --password=Pw9 --region eu', 'tool --password=[REDACTED:cli-secret-flag] --region eu'],
    ['tool --api-token "a b" --x', 'tool --api-token [REDACTED:cli-secret-flag] --x'],
    ['mysql -u root -pS3cr!t db', 'mysql -u root -p[REDACTED:cli-secret-flag] db'],
    ['docker login -u ci -p Pw9 reg.io', 'docker login -u ci -p [REDACTED:cli-secret-flag] reg.io'],
    ['curl -u ops:Pw:9 https://x', 'curl -u ops:[REDACTED:curl-user] https://x'],
    ["curl --user 'ops:a b' https://x", "curl --user 'ops:[REDACTED:curl-user]' https://x"],
    ['Authorization: token abcdef123456', 'Authorization: token [REDACTED:http-authorization]'],
    ['stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc ok', 'stripe [REDACTED:stripe-key] ok'],
    ['signing_key: 8fK2pQ9xLm4Rt7Vw1Zb3', 'signing_key: [REDACTED:high-entropy-key-value]'],
    ['a={"kind":"Secret","data":{"u":"eHl6"}}', 'a={"kind":"Secret","data":{"u":"[REDACTED:k8s-secret-data]"}}'],
    ['c={\\"db\\":{\\"password\\":\\"Pw9x\\"}}', 'c={\\"db\\":{\\"password\\":\\"[REDACTED:secret-key-value]\\"}}'],
    // In text, a quoted value is replaced with its quotes (as secret-key-value does); parsed JSON keeps strings.
    ['{"auths":{"r.io":{"auth":"Y2k6cHcxMjM0NTY="}}}', '{"auths":{"r.io":{"auth":[REDACTED:high-entropy-key-value]}}}'],
  ];
  for (const [input, output] of cases) it(input, () => expect(redact(input)).toBe(output));
});

describe('near misses stay', () => {
  for (const text of [
    'https://host:8443/path/@user/x',
    'curl -u ops https://x and docker login -u ci',
    'mysql -h db -u root -p app',
    'tool --password-stdin --token-file /run/t',
    'cache_key: user-profile-v2\nsort_key: created_at\nkms_key: alias/prod',
    'Authorization: Bearer ${TOKEN}\nWWW-Authenticate: Basic realm="x"',
    'PWD=/home/ops/app OLDPWD=/home/ops',
    'task SK-2026 and sk-learn and npm_config_cache=/tmp',
    'Server=s;Integrated Security=true;Password=;',
    '{"kind":"ConfigMap","data":{"LOG_LEVEL":"info"}}',
  ]) {
    it(text, () => expect(redact(text)).toBe(text));
  }
});

describe('keys and values', () => {
  it('settings under secret-like keys are descriptive; glued env names are secret', () => {
    for (const key of ['token_ttl_seconds', 'password_min_length', 'api_token_rotation_days', 'secret_size_limit', 'session_token_timeout_ms', 'password-stdin']) expect(isSecretKeyName(key), key).toBe(false);
    for (const key of ['PGPASSWORD', 'DBPASSWORD', 'identitytoken', 'AccountKey', 'SharedAccessKey']) expect(isSecretKeyName(key), key).toBe(true);
  });
  it('hint keys need a random value', () => {
    for (const key of ['signing_key', 'REDIS_PASS', 'auth', 'salt', 'session_key']) expect(isHintKeyName(key), key).toBe(true);
    for (const key of ['public_key', 'cache_key', 'primary_key', 'keys', 'author', 'password']) expect(isHintKeyName(key), key).toBe(false);
    for (const value of ['8fK2pQ9xLm4Rt7Vw1Zb3', '3b7e9a1c5d2f4e6a8b0c', 'Qm7#vX2pL9@kR4tZ']) expect(looksRandom(value), value).toBe(true);
    for (const value of ['user-profile-v2', 'alias/prod-evidence', 'created_at', '/etc/keys/x.pem', '123e4567-e89b-12d3-a456-426614174000']) expect(looksRandom(value), value).toBe(false);
  });
  it('keep-shaped values', () => {
    for (const value of ['true', '30s', '1h30m', 'P1D', '512Mi', '4KB', 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', '3b18e512dba79e4c8300dd08aeb37f8e728b8dad']) {
      expect(isKeepShapedValue(value), value).toBe(true);
    }
    expect(isKeepShapedValue('hunter2')).toBe(false);
  });
  it('a number under a settings key is kept, under a password it is redacted', () => {
    const { value } = redactJsonValue({ token_ttl_seconds: 3600, password: 84712093, password_required: true }, rules);
    expect(value).toEqual({ token_ttl_seconds: 3600, password: '[REDACTED:secret-key-value]', password_required: true });
  });
  it('Kubernetes Secret data is secret whatever its keys are called', () => {
    const { value } = redactJsonValue({ kind: 'Secret', data: { DATABASE_URL: 'eHl6', 'tls.key_path': 'YWJj' } }, rules);
    expect(value).toEqual({ kind: 'Secret', data: { DATABASE_URL: '[REDACTED:k8s-secret-data]', 'tls.key_path': '[REDACTED:k8s-secret-data]' } });
  });
});

describe('hostile lines finish (linear work per line)', () => {
  // No timing here: a quadratic or backtracking detector would hang these past the test timeout.
  const long = 200_000;
  for (const [name, line] of [
    ['many URL schemes', 'a://b:'.repeat(long / 6)],
    ['many assignments', 'PASSWORD='.repeat(long / 9)],
    // 1 MB: quadratic work on these took minutes (a rejected key's value was read to the end of the line).
    ['many hint keys', 'signing_key='.repeat(1_000_000 / 12)],
    ['many shell keys', 'key='.repeat(1_000_000 / 4)],
    ['many hint keys with a colon', 'foo_key: '.repeat(long / 9)],
    ['many quoted hint keys', 'salt="'.repeat(long / 6)],
    ['many flags', '--password '.repeat(long / 11)],
    ['many -u', 'curl -u a:'.repeat(long / 10)],
    ['mysql -p', 'mysql '.repeat(long / 6) + ' -p'],
    ['unclosed JSON', '{"kind":"Secret","data":{"a":"'.repeat(long / 30)],
    ['escaped JSON', '{\\"password\\":\\"'.repeat(long / 16)],
    ['semicolons', 'Password=;'.repeat(long / 10)],
    ['query', '?password=&'.repeat(long / 11)],
  ] as const) {
    it(name, () => {
      const out = redactText(`${line}\n`, rules).text;
      expect(out.endsWith('\n')).toBe(true);
    });
  }
});

describe('a long random value under a hint key', () => {
  // The rule reads 1 KiB of a value before it decides (linear work per line), then takes the word whole.
  const random = (n: number): string => {
    let x = 0x9e3779b9;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    let out = '';
    for (let i = 0; i < n; i += 1) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      out += alphabet[x >>> 26];
    }
    return out;
  };
  it('is redacted to the end of its word, however long', () => {
    for (const length of [40, 1023, 1024, 1025, 5000]) {
      const value = random(length);
      const out = redact(`session signing_key=${value} next=1\n`);
      expect(out, `length ${length}`).not.toContain(value.slice(-20));
      expect(out).toMatch(/signing_key=\[REDACTED:[a-z-]+\] next=1\n$/);
    }
  });
  it('assigned on a command line, is redacted as one whole shell word by the shell rule alone, however long', () => {
    const shellOnly = { rules: rules.rules.filter((rule) => rule.id === 'shell-secret-assignment'), allow: [], source: 'test' };
    for (const length of [40, 1023, 1024, 1025, 5000]) {
      const value = random(length);
      const out = redactText(`+ PGPASSWORD=${value} psql -h db\n`, shellOnly).text;
      expect(out, `length ${length}`).not.toContain(value.slice(-20));
      expect(out).toMatch(/^\+ PGPASSWORD=\[REDACTED:[a-z-]+\] psql -h db\n$/);
    }
  });
});

