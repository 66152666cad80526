/**
 * Key names and values: which JSON/YAML/env keys hold secrets, and which values only point to
 * a secret (references, placeholders) and must stay readable in evidence.
 */

/** Words that make a key a secret holder (`db_password`, `clientSecret`, `API-KEY`, ...). */
const SECRET_WORDS = new Set(['password', 'passwd', 'pwd', 'passphrase', 'secret', 'token', 'credential', 'credentials', 'apikey']);
/** A word that ends in a secret word, as env names glue them: `PGPASSWORD`, `MYSQLPWD`, `GITHUBTOKEN`. */
const GLUED_SECRET = /^[a-z0-9]{2,}(?:password|passwd|passphrase|secret|token|apikey)$/;
/** Adjacent word pairs that do the same (`api_key`, `privateKey`). */
const SECRET_PAIRS = new Set(['api key', 'private key', 'secret key', 'access token', 'auth token', 'client secret']);
/**
 * A key ending in one of these names something about a secret, not the secret itself:
 * `secret_ref`, `secretRef`, `password_path`, `token_ttl`, `secretName`.
 */
const DESCRIPTIVE_LAST_WORDS = new Set([
  'ref', 'refs', 'reference', 'path', 'file', 'files', 'name', 'names', 'id', 'ids', 'arn', 'key_id', 'type', 'kind',
  'count', 'length', 'len', 'ttl', 'expiry', 'expires', 'expiration', 'expired', 'version', 'env', 'var', 'hash',
  'sha', 'digest', 'fingerprint', 'enabled', 'required', 'policy', 'rotation', 'shape', 'format', 'provider', 'mode',
  'endpoint', 'url', 'uri', 'store', 'mount', 'field', 'hint', 'source', 'prefix', 'template', 'manager', 'backend',
  'engine', 'namespace', 'label', 'labels', 'annotation', 'annotations', 'age', 'created', 'updated', 'rotated', 'at',
  // Settings and measures: `token_ttl_seconds`, `api_token_rotation_days`, `secret_size_limit`.
  'seconds', 'secs', 'sec', 'minutes', 'mins', 'hours', 'days', 'weeks', 'months', 'ms', 'millis', 'timeout', 'interval',
  'duration', 'lifetime', 'period', 'size', 'bytes', 'limit', 'max', 'min', 'retries', 'attempts', 'audience', 'issuer',
  'algorithm', 'algo', 'stdin', 'sha1', 'sha256', 'sha512', 'md5', 'checksum', 'algorithms', 'scope', 'scopes', 'usage',
]);

/** Whole keys that hold a credential although no word says so (Docker config `auths`). */
const SECRET_WHOLE_KEYS = new Set(['identitytoken', 'registrytoken', 'accountkey', 'sharedaccesskey', 'sharedaccesssignature']);

/**
 * Words that only hint at a secret (`signing_key`, `REDIS_PASS`, `auth`, `salt`): the value is
 * judged by its shape instead (see {@link looksRandom}), so `cache_key: user-profile-v2` stays.
 */
const HINT_WORDS = new Set(['key', 'pass', 'auth', 'salt']);
/** A key with one of these words is about something public. */
const PUBLIC_WORDS = new Set(['public', 'pub', 'cert', 'certificate', 'crt', 'ca', 'primary', 'sort', 'partition', 'cache', 'foreign', 'idempotency', 'dedup', 'routing', 'shard', 'hash', 'lookup', 'object', 's3', 'bucket', 'kms']);

/** Split `clientSecret`, `DB_PASSWORD`, `api-key.v2` into lower-case words. */
export function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0);
}

/** True when a key describes a secret rather than holding one (`secretName`, `password_path`). */
export function isDescriptiveKeyName(key: string): boolean {
  const words = keyWords(key);
  const last = words[words.length - 1];
  return last !== undefined && DESCRIPTIVE_LAST_WORDS.has(last);
}

/** Key names repeat across thousands of documents; remember the answers (bounded). */
const KEY_NAME_CACHE = new Map<string, boolean>();
const KEY_NAME_CACHE_MAX = 10_000;

/** True when a JSON/YAML/env key name says its value is a secret (password, api_key, ...). */
export function isSecretKeyName(key: string): boolean {
  const known = KEY_NAME_CACHE.get(key);
  if (known !== undefined) return known;
  const answer = judgeKeyName(key);
  if (KEY_NAME_CACHE.size >= KEY_NAME_CACHE_MAX) KEY_NAME_CACHE.clear();
  KEY_NAME_CACHE.set(key, answer);
  return answer;
}

function judgeKeyName(key: string): boolean {
  if (key.length === 0 || key.length > 200) return false;
  if (SECRET_WHOLE_KEYS.has(key.toLowerCase().replace(/[^a-z]/g, ''))) return true;
  const words = keyWords(key);
  const last = words[words.length - 1];
  if (last === undefined || DESCRIPTIVE_LAST_WORDS.has(last)) return false;
  // `secret_key_id` and `api_key_name` describe; `key` alone is not enough to be a secret.
  if (words.length >= 2 && DESCRIPTIVE_LAST_WORDS.has(`${words[words.length - 2]}_${last}`)) return false;
  for (let i = 0; i < words.length; i += 1) {
    if (SECRET_WORDS.has(words[i] as string) || GLUED_SECRET.test(words[i] as string)) return true;
    if (i > 0 && SECRET_PAIRS.has(`${words[i - 1]} ${words[i]}`)) return true;
  }
  return false;
}

/**
 * Values that are not secrets although they sit where a secret would: empty or null-like values,
 * masks, our own markers, YAML aliases and block indicators, and references to a secret store
 * (`vault:...`, `${DB_PASSWORD}`, `$(cat /run/secrets/x)`, `{{ .Values.x }}`, `<placeholder>`, ARNs).
 */
export function isNonSecretValue(raw: string): boolean {
  const value = unquote(raw.trim());
  if (value.length === 0) return true;
  if (/^(?:null|nil|none|~|true|false|yes|no|undefined|redacted)$/i.test(value)) return true;
  if (/^\[REDACTED(?::[a-z0-9.-]+)?\]$/.test(value)) return true;
  if (/^(?:\*+|x{3,}|X{3,}|\.{3,}|-+|#+)$/.test(value)) return true;
  if (/^[|>][-+0-9]*$/.test(value)) return true;
  if (/^[*&][A-Za-z0-9_.-]+$/.test(value)) return true;
  // An absolute path of plain names (`PWD=/home/ops/app`, `password: /run/secrets/db`) points, never holds.
  if (/^\/[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)+\/?$/.test(value)) return true;
  if (/^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d|w|y)|(?:\d+(?:h|m|s|ms)){2,4}|\d+(?:\.\d+)?(?:[KMGTPE]i|[KMGTPE]B))$/.test(value)) return true;
  return isSecretReference(value);
}

/** A pointer to a secret kept elsewhere: evidence needs it, and it reveals nothing. */
export function isSecretReference(value: string): boolean {
  return (
    /^\$\{[A-Za-z_][A-Za-z0-9_.:-]*(?::?[-=?+][^}]*)?\}$/.test(value) || // ${SECRET_NAME}, ${X:-default}
    /^\$[A-Za-z_][A-Za-z0-9_]*$/.test(value) || // $SECRET_NAME
    /^\$\((?:[^()]*)\)$/.test(value) || // $(cat /run/secrets/db)
    /^\{\{[^{}]*\}\}$/.test(value) || // {{ .Values.password }}
    /^<[^<>]*>$/.test(value) || // <placeholder>
    /^(?:vault|secret|secrets|sops|ref\+[a-z0-9]+|awssm|aws-sm|gcpsm|azkv|op|env|file|keyring):[^\s]*$/i.test(value) || // store URIs
    /^arn:aws[a-z-]*:(?:secretsmanager|ssm|kms):/i.test(value)
  );
}

function unquote(value: string): string {
  if (value.length >= 2) {
    const first = value[0];
    if ((first === '"' || first === "'") && value[value.length - 1] === first) return value.slice(1, -1);
  }
  return value;
}

/**
 * A key that hints at a secret without naming one (`signing_key`, `REDIS_PASS`, `auth`, `salt`)
 * and is not a strong secret name, descriptive or about something public. Values under such
 * keys are redacted only when they look random ({@link looksRandom}).
 */
export function isHintKeyName(key: string): boolean {
  if (key.length === 0 || key.length > 200 || isSecretKeyName(key)) return false;
  const words = keyWords(key);
  const last = words[words.length - 1];
  if (last === undefined || DESCRIPTIVE_LAST_WORDS.has(last)) return false;
  if (words.some((word) => PUBLIC_WORDS.has(word))) return false;
  return words.some((word) => HINT_WORDS.has(word) || /^(?:pass|auth|key)[a-z]*$/.test(word) && !/^(?:keys?|passed|passing|author|authority|keyboard|keyword|keywords|passenger)$/.test(word));
}

/**
 * Values that evidence needs and that are never a credential, whatever key they sit under:
 * booleans, durations (`30s`, `1h30m`, `P1D`), sizes (`512Mi`, `4KB`), digests and ids by shape
 * (SHA-1/256/512 hex, `sha256:` digests, UUIDs), ARNs of keys, SSH public keys and paths.
 * Bare numbers are not here: `password: 84712093` is a PIN; numbers under settings keys are
 * kept because those keys are descriptive (`token_ttl_seconds`).
 */
export function isKeepShapedValue(raw: string): boolean {
  const value = unquote(raw.trim());
  return (
    /^(?:true|false|yes|no|on|off)$/i.test(value) ||
    /^\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d|w|y)$/.test(value) ||
    /^(?:\d+(?:\.\d+)?(?:h|m|s|ms)){2,4}$/.test(value) ||
    /^P(?:\d+[YMWD])*(?:T(?:\d+(?:\.\d+)?[HMS])+)?$/.test(value) && value.length > 1 ||
    /^\d+(?:\.\d+)?[ ]?(?:[KMGTPE]i|[KMGTPE]B|[kmgtpe]b|[KMGTPE]|bytes?|B)$/.test(value) ||
    /^(?:sha1|sha224|sha256|sha384|sha512|md5):[0-9a-f]{32,128}$/i.test(value) ||
    isDigestHex(value) ||
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value) ||
    /^arn:aws[a-z-]*:[a-z0-9-]+:/.test(value) ||
    /^(?:ssh-(?:rsa|ed25519|dss)|ecdsa-sha2-nistp\d+|sk-ssh-ed25519@openssh\.com) /.test(value) ||
    /^(?:\/|\.\.?\/|~\/)[^\s]*$/.test(value)
  );
}

/** Hex of the length of a SHA-1 (Git commit, OpenPGP v4 fingerprint), SHA-256 or SHA-512. */
export function isDigestHex(value: string): boolean {
  return (value.length === 40 || value.length === 64 || value.length === 128) && /^[0-9a-fA-F]+$/.test(value);
}

/**
 * Does a value under a hint key look like a random credential rather than a word, a name or a
 * setting? At least 10 characters, no blanks, and both character-class mixing (how often the
 * class changes between lower case, upper case and digit) and Shannon entropy high enough.
 * `8fK2pQ9xLm4Rt7Vw1Zb3` and `3b7e9a1c5d2f4e6a8b0c` pass; `user-profile-v2`, `created_at`,
 * `alias/prod-evidence` do not.
 */
export function looksRandom(raw: string): boolean {
  const value = unquote(raw.trim());
  if (value.length < 10 || value.length > 4096 || /\s/.test(value)) return false;
  if (isNonSecretValue(value) || isKeepShapedValue(value)) return false;
  if (/^[a-z]+:\/\//i.test(value) && !/:\/\/[^/@\s]*:[^/@\s]*@/.test(value)) return false;
  let switches = 0;
  let previous = -1;
  for (let i = 0; i < value.length; i += 1) {
    const c = value.charCodeAt(i);
    const kind = c >= 0x61 && c <= 0x7a ? 0 : c >= 0x41 && c <= 0x5a ? 1 : c >= 0x30 && c <= 0x39 ? 2 : 3;
    // Punctuation separates words (`alias/prod-evidence`); only letter case and digit changes count.
    if (kind === 3) continue;
    if (previous !== -1 && kind !== previous) switches += 1;
    previous = kind;
  }
  return switches * 5 >= value.length && shannonBits(value) >= 3;
}

/** Shannon entropy in bits per character. */
export function shannonBits(value: string): number {
  const counts = new Map<string, number>();
  for (const c of value) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}
