/**
 * Key names and values: which JSON/YAML/env keys hold secrets, and which values only point to
 * a secret (references, placeholders) and must stay readable in evidence.
 */

/** Words that make a key a secret holder (`db_password`, `clientSecret`, `API-KEY`, ...). */
const SECRET_WORDS = new Set(['password', 'passwd', 'pwd', 'passphrase', 'secret', 'token', 'credential', 'credentials', 'apikey']);
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
]);

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
  const words = keyWords(key);
  const last = words[words.length - 1];
  if (last === undefined || DESCRIPTIVE_LAST_WORDS.has(last)) return false;
  // `secret_key_id` and `api_key_name` describe; `key` alone is not enough to be a secret.
  if (words.length >= 2 && DESCRIPTIVE_LAST_WORDS.has(`${words[words.length - 2]}_${last}`)) return false;
  for (let i = 0; i < words.length; i += 1) {
    if (SECRET_WORDS.has(words[i] as string)) return true;
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
