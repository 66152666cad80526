/**
 * The leak gate: the last check before a packet is sealed, built apart from the redactor so that
 * a redactor miss is not also a gate miss. It shares no detection code with the rules (defaults,
 * structural rules, keys.ts): it reads each candidate line with a hand-written scanner of its
 * own: tokens checked against a table of vendor prefixes, URL authorities split by hand, every
 * `key = value` / `key: value` pair judged by its own key words and value shape, HTTP
 * credentials and PEM private key headers. Findings say where (line, column, offsets) and which
 * gate check, never the value. Allow-list entries apply to its check ids as to any rule id.
 */
import { GateWindow, GateWords } from './gate-words.js';
import { isAllowed } from './ruleset.js';
import type { RuleSet, SecretFinding } from './types.js';

export const GATE_CHECKS: readonly { id: string; description: string }[] = [
  { id: 'gate-private-key', description: 'a `-----BEGIN ... PRIVATE KEY` header' },
  { id: 'gate-token-prefix', description: 'a token that starts with a vendor prefix and has a random-looking tail of the vendor length' },
  { id: 'gate-url-credentials', description: 'a URL whose authority carries `user:password@`' },
  { id: 'gate-secret-assignment', description: 'a value assigned to a key that names a secret (`password=`, `"client_secret":`, `--token x`)' },
  { id: 'gate-high-entropy', description: 'a long random-looking value assigned to a key that hints at a secret (`signing_key`, `auth`, `salt`)' },
  { id: 'gate-http-credentials', description: 'credentials after an Authorization header scheme or `curl -u user:`' },
];

/** [prefix, minimum tail length, tail alphabet]. Facts from vendors' docs and public scanner rule sets. */
const PREFIXES: readonly [string, number, RegExp][] = [
  ['AKIA', 16, /^[A-Z0-9]+$/], ['ASIA', 16, /^[A-Z0-9]+$/], ['ghp_', 30, /^[A-Za-z0-9]+$/], ['gho_', 30, /^[A-Za-z0-9]+$/],
  ['ghu_', 30, /^[A-Za-z0-9]+$/], ['ghs_', 30, /^[A-Za-z0-9]+$/], ['ghr_', 30, /^[A-Za-z0-9]+$/], ['github_pat_', 40, /^[A-Za-z0-9_]+$/],
  ['glpat-', 20, /^[A-Za-z0-9_-]+$/], ['xoxb-', 20, /^[A-Za-z0-9-]+$/], ['xoxp-', 20, /^[A-Za-z0-9-]+$/], ['xoxa-', 20, /^[A-Za-z0-9-]+$/],
  ['xapp-', 20, /^[A-Za-z0-9-]+$/], ['hvs.', 24, /^[A-Za-z0-9_-]+$/], ['hvb.', 24, /^[A-Za-z0-9_-]+$/], ['sk_live_', 10, /^[A-Za-z0-9]+$/],
  ['rk_live_', 10, /^[A-Za-z0-9]+$/], ['sk_test_', 16, /^[A-Za-z0-9]+$/], ['whsec_', 24, /^[A-Za-z0-9+/]+$/], ['npm_', 36, /^[A-Za-z0-9]+$/],
  ['pypi-AgE', 40, /^[A-Za-z0-9_-]+$/], ['AIza', 35, /^[A-Za-z0-9_-]+$/], ['ya29.', 20, /^[A-Za-z0-9_.-]+$/], ['sk-proj-', 20, /^[A-Za-z0-9_-]+$/],
  ['sk-ant-', 32, /^[A-Za-z0-9_-]+$/], ['sk-svcacct-', 20, /^[A-Za-z0-9_-]+$/], ['SG.', 60, /^[A-Za-z0-9_.-]+$/], ['shpat_', 32, /^[a-fA-F0-9]+$/],
  ['shpss_', 32, /^[a-fA-F0-9]+$/], ['dop_v1_', 64, /^[a-f0-9]+$/], ['doo_v1_', 64, /^[a-f0-9]+$/], ['dckr_pat_', 24, /^[A-Za-z0-9_-]+$/],
  ['hf_', 30, /^[A-Za-z]+$/], ['AGE-SECRET-KEY-1', 50, /^[A-Z0-9]+$/], ['dapi', 32, /^[a-f0-9-]+$/], ['glsa_', 32, /^[A-Za-z0-9_]+$/],
  ['PMAK-', 50, /^[a-f0-9-]+$/], ['NRAK-', 27, /^[A-Z0-9]+$/], ['dp.pt.', 40, /^[A-Za-z0-9]+$/], ['lin_api_', 40, /^[A-Za-z0-9]+$/],
  ['sq0atp-', 22, /^[A-Za-z0-9_-]+$/], ['sq0csp-', 40, /^[A-Za-z0-9_-]+$/], ['LTAI', 20, /^[A-Za-z0-9]+$/], ['sntrys_', 32, /^[A-Za-z0-9_=+/-]+$/],
  ['rubygems_', 48, /^[a-f0-9]+$/], ['HRKU-', 50, /^[A-Za-z0-9_-]+$/], ['ops_eyJ', 100, /^[A-Za-z0-9+/=_-]+$/],
];

/** Words in a key that name a secret (compared on the key lower-cased with separators removed). */
const SECRET_PARTS = ['password', 'passwd', 'passphrase', 'secret', 'token', 'apikey', 'privatekey', 'accesskey', 'credential', 'pwd', 'accountkey', 'sharedaccesskey', 'identitytoken', 'dockerconfigjson', 'dockercfg'];
/** Words that only hint at one: the value must look random too. */
const HINT_PARTS = ['key', 'pass', 'auth', 'salt', 'seed', 'signing', 'hmac', 'session', 'cookie', 'master', 'private', 'sig'];
/** A key ending like this describes a secret (its reference, lifetime, policy), never holds one. */
const DESCRIBING_ENDINGS = [
  'ref', 'refs', 'reference', 'path', 'file', 'files', 'name', 'names', 'id', 'ids', 'ttl', 'seconds', 'secs', 'length', 'len', 'count', 'url', 'uri', 'version',
  'type', 'kind', 'policy', 'required', 'enabled', 'expiry', 'expires', 'expiration', 'age', 'days', 'hours', 'minutes', 'ms', 'limit', 'size', 'min', 'max',
  'env', 'var', 'arn', 'hash', 'sha', 'sha1', 'sha256', 'sha512', 'digest', 'fingerprint', 'rotation', 'interval', 'timeout', 'audience', 'endpoint', 'format',
  'field', 'mount', 'store', 'template', 'prefix', 'stdin', 'lifetime', 'mode', 'provider', 'shape', 'source', 'manager', 'backend', 'namespace', 'label',
  'labels', 'created', 'updated', 'rotated', 'at', 'hint', 'engine', 'annotation', 'annotations', 'period', 'duration', 'algorithm', 'issuer', 'scope', 'scopes',
  'usage', 'checksum', 'md5', 'expired', 'keyid', 'keyname', 'weeks', 'months', 'mins', 'sec', 'millis', 'retries', 'attempts', 'bytes', 'expiresin', 'secretname',
  'encryption', 'command', 'reload', 'method', 'methods', 'strategy', 'args', 'helper', 'prompt', 'cache',
];
/** Key words that make a hint key public (`public_key`, `cache_key`). */
const PUBLIC_PARTS = ['public', 'cert', 'cache', 'primary', 'sort', 'partition', 'routing', 'foreign', 'idempotency', 'lookup', 'object', 'bucket', 'kms', 'fingerprint'];

/** Bounds on how far a key or a value is read, so that a hostile line costs linear time. */
const MAX_KEY = 200;
const MAX_VALUE = 4096;

/**
 * Lines worth reading: anything a check could fire on. Looked for in any letter case
 * (gate-words.ts), so a key only in odd mixed case (`PaSsWoRd=`) is read too.
 */
const CANDIDATE_WORDS = new GateWords([
  'pass', 'pwd', 'secret', 'token', 'key', 'cred', 'auth', 'salt', 'sig', 'private', '://', '-u', '--user', 'akia', 'asia', 'ghp_', 'gho_',
  'ghu_', 'ghs_', 'ghr_', 'github_pat_', 'glpat-', 'xox', 'xapp-', 'hvs.', 'hvb.', 'k_live_', 'k_test_', 'whsec_', 'npm_', 'pypi-', 'aiza',
  'ya29.', 'sk-', 'sg.', 'shp', 'dop_v1_', 'doo_v1_', 'dckr_', 'hf_', 'dapi', 'glsa_', 'pmak-', 'nrak-', 'dp.pt.', 'lin_api_', 'sq0', 'ltai',
  'sntrys_', 'rubygems_', 'hrku-', 'ops_eyj', 'eyj', 'atlasv1', 'q~', 'dockerc', 'mysql', 'mariadb', 'login', 'begin',
]);

/** Scan text for what must not leave: one finding per leftover, in text order. */
export function leakGate(text: string, rules: RuleSet, path?: string): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const window = (idleWindow ?? new GateWindow()).reset(text);
  idleWindow = undefined;
  try {
    scanLines(text, rules, path, window, findings);
  } finally {
    idleWindow = window.reset('');
  }
  return findings;
}

/** The window memory of the last scan, for the next one. */
let idleWindow: GateWindow | undefined;

/**
 * False only when the gate would read no line of the text these ASCII bytes decode to (so it
 * finds nothing), told from the bytes without decoding them. True means: decode and look.
 */
export function gateMayReadAscii(bytes: Uint8Array): boolean {
  return CANDIDATE_WORDS.occursInAscii(bytes);
}

function scanLines(text: string, rules: RuleSet, path: string | undefined, window: GateWindow, findings: SecretFinding[]): void {
  let lineNo = 1;
  let counted = 0;
  for (let hit = CANDIDATE_WORDS.find(window, 0); hit !== -1; ) {
    const start = text.lastIndexOf('\n', hit - 1) + 1;
    let end = text.indexOf('\n', hit);
    if (end === -1) end = text.length;
    for (let i = text.indexOf('\n', counted); i !== -1 && i < start; i = text.indexOf('\n', i + 1)) lineNo += 1;
    counted = start;
    for (const found of checkLine(text.slice(start, end))) {
      if (isAllowed(rules, found.check, text.slice(start + found.start, start + found.end), path)) continue;
      findings.push({ rule: found.check, line: lineNo, column: found.start + 1, start: start + found.start, end: start + found.end });
    }
    hit = end >= text.length ? -1 : CANDIDATE_WORDS.find(window, end + 1);
  }
}

interface LineHit {
  check: string;
  start: number;
  end: number;
}

function checkLine(line: string): LineHit[] {
  const hits: LineHit[] = [];
  const header = line.indexOf('PRIVATE KEY');
  const begin = header === -1 ? -1 : line.lastIndexOf('BEGIN', header);
  if (begin !== -1) {
    // The key runs to its END line, or (escaped newlines, a cut key) to the end of the line.
    const end = line.indexOf('END', header + 11);
    hits.push({ check: 'gate-private-key', start: begin, end: end === -1 ? line.length : end });
  }
  secretManifestData(line, hits);
  tokens(line, hits);
  urlCredentials(line, hits);
  assignments(line, hits);
  httpCredentials(line, hits);
  return hits;
}

const TOKEN_CHAR = /[A-Za-z0-9_.~+/=-]/;

/**
 * A Kubernetes Secret written as JSON on one line (kubectl's last-applied-configuration, `-o
 * json`, at any level of string escaping): its `data`/`stringData` object must hold only markers.
 */
function secretManifestData(line: string, hits: LineHit[]): void {
  if (!/kind\\*"\s*:\s*\\*"Secret\\*"/.test(line)) return;
  const opener = /"(?:data|stringData)\\*"\s*:\s*\{/g;
  for (let m = opener.exec(line); m !== null; m = opener.exec(line)) {
    const open = m.index + m[0].length - 1;
    let depth = 0;
    let close = open;
    for (; close < line.length; close += 1) {
      if (line[close] === '{') depth += 1;
      else if (line[close] === '}' && --depth === 0) break;
    }
    opener.lastIndex = Math.max(opener.lastIndex, close + 1);
    const body = line.slice(open, close + 1).replace(/\\/g, '').replace(/\[REDACTED:[a-z0-9.-]+\]/g, '');
    if (/:\s*"[^"]+"/.test(body)) hits.push({ check: 'gate-secret-assignment', start: open, end: Math.min(close + 1, line.length) });
  }
}

/** Runs of token characters, each checked against the prefix table. */
function tokens(line: string, hits: LineHit[]): void {
  let i = 0;
  while (i < line.length) {
    if (!TOKEN_CHAR.test(line[i] as string)) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < line.length && TOKEN_CHAR.test(line[j] as string)) j += 1;
    // A token may start after `=` or `/` inside the run (`key=sk_live_...`, `/ghp_...`).
    const run = line.slice(i, j);
    let at = i;
    for (const piece of run.split(/[=/]/)) {
      if (piece.length >= 16 && prefixed(piece)) hits.push({ check: 'gate-token-prefix', start: at, end: at + piece.length });
      else if (piece.startsWith('eyJ') && piece.includes('.eyJ') && piece.length > 30) hits.push({ check: 'gate-token-prefix', start: at, end: at + piece.length });
      else if (piece.length >= 70 && /^[a-z0-9]{14}\.atlasv1\./.test(piece)) hits.push({ check: 'gate-token-prefix', start: at, end: at + piece.length });
      else if (piece.length >= 37 && /^[A-Za-z0-9_~.]{3}\dQ~/.test(piece) && mixed(piece.slice(6))) hits.push({ check: 'gate-token-prefix', start: at, end: at + piece.length });
      at += piece.length + 1;
    }
    i = j;
  }
}

function prefixed(token: string): boolean {
  for (const [prefix, tail, alphabet] of PREFIXES) {
    if (!token.startsWith(prefix)) continue;
    const rest = token.slice(prefix.length).replace(/[.=]+$/, '');
    if (rest.length >= tail && alphabet.test(rest) && mixed(rest)) return true;
  }
  return false;
}

/** At least two of lower case, upper case and digits: a random tail, not a word (`npm_package_version`). */
function mixed(value: string): boolean {
  const lower = /[a-z]/.test(value);
  const upper = /[A-Z]/.test(value);
  const digit = /[0-9]/.test(value);
  return Number(lower) + Number(upper) + Number(digit) >= 2;
}

/** `scheme://user:password@host`: split the authority by hand; the password is what must be gone. */
function urlCredentials(line: string, hits: LineHit[]): void {
  for (let at = line.indexOf('://'), end = 0; at !== -1; at = line.indexOf('://', Math.max(at + 3, end))) {
    end = at + 3;
    const limit = Math.min(line.length, at + 3 + MAX_VALUE);
    while (end < limit && !' \t"\'<>'.includes(line[end] as string)) end += 1;
    const rest = line.slice(at + 3, end);
    const lastAt = rest.lastIndexOf('@');
    if (lastAt <= 0) continue;
    const userinfo = rest.slice(0, lastAt);
    const colon = userinfo.indexOf(':');
    if (colon === -1) continue;
    const password = userinfo.slice(colon + 1);
    if (/^\d{1,5}(?:[/?#]|$)/.test(password) || harmless(password)) continue;
    hits.push({ check: 'gate-url-credentials', start: at + 3 + colon + 1, end: at + 3 + lastAt });
  }
}

/** Every `key=value`, `key: value`, `"key":"value"` and `--key value` on the line. */
function assignments(line: string, hits: LineHit[]): void {
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    const flag = c === ' ' && line[i - 1] !== undefined && /[A-Za-z]/.test(line[i - 1] as string);
    if (c !== '=' && c !== ':' && !flag) continue;
    const key = keyBefore(line, i);
    if (key === undefined || (flag && !key.dashed)) continue;
    const judged = judgeKey(key.name);
    if (judged === 'none') continue;
    const value = valueAfter(line, i + 1);
    if (value === undefined) continue;
    // Go on after the value: a long value is read once, not once per separator inside it.
    i = Math.max(i, value.end - 1);
    if (judged === 'secret' && !harmless(value.text)) hits.push({ check: 'gate-secret-assignment', start: value.start, end: value.end });
    else if (judged === 'hint' && randomLooking(value.text)) hits.push({ check: 'gate-high-entropy', start: value.start, end: value.end });
  }
}

function keyBefore(line: string, sep: number): { name: string; dashed: boolean } | undefined {
  let end = sep;
  while (end > 0 && (line[end - 1] === ' ' || line[end - 1] === '\t')) end -= 1;
  if (line[end - 1] === '"' || line[end - 1] === "'") end -= 1;
  while (end > 0 && line[end - 1] === '\\') end -= 1;
  let start = end;
  while (start > 0 && end - start < MAX_KEY && /[A-Za-z0-9_.-]/.test(line[start - 1] as string)) start -= 1;
  if (start === end) return undefined;
  const raw = line.slice(start, end);
  return { name: raw.replace(/^-+/, ''), dashed: raw.startsWith('--') };
}

function valueAfter(line: string, from: number): { text: string; start: number; end: number } | undefined {
  let i = from;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i += 1;
  if (line[i] === '\\' && (line[i + 1] === '"' || line[i + 1] === "'")) {
    // An escaped document (`\"password\":\"x\"`): the value ends at the next escaped quote.
    const close = line.slice(i + 2, i + 2 + MAX_VALUE).indexOf(`\\${line[i + 1] as string}`);
    const end = close === -1 ? Math.min(line.length, i + 2 + MAX_VALUE) : i + 2 + close;
    return { text: line.slice(i + 2, end), start: i + 2, end };
  }
  const quote = line[i];
  if (line[i] === '$' && (line[i + 1] === '{' || line[i + 1] === '(')) {
    const close = line.slice(i, i + MAX_VALUE).indexOf(line[i + 1] === '{' ? '}' : ')');
    const end = close === -1 ? Math.min(line.length, i + MAX_VALUE) : i + close + 1;
    return { text: line.slice(i, end), start: i, end };
  }
  if (quote === '"' || quote === "'") {
    const limit = Math.min(line.length, i + 1 + MAX_VALUE);
    let j = i + 1;
    while (j < limit && line[j] !== quote) j += line[j] === '\\' ? 2 : 1;
    return { text: line.slice(i + 1, Math.min(j, limit)), start: i + 1, end: Math.min(j, limit) };
  }
  const limit = Math.min(line.length, i + MAX_VALUE);
  let j = i;
  while (j < limit && !' \t,;&"\'<>}])'.includes(line[j] as string)) j += 1;
  if (j === i) return undefined;
  return { text: line.slice(i, j), start: i, end: j };
}

function judgeKey(name: string): 'secret' | 'hint' | 'none' {
  const flat = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (flat.length === 0 || flat.length > 100) return 'none';
  const parts = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter((p) => p.length > 0);
  const last = parts[parts.length - 1] ?? '';
  if (DESCRIBING_ENDINGS.includes(last) || DESCRIBING_ENDINGS.some((ending) => ending.length > 3 && flat.endsWith(ending))) return 'none';
  // A part names a secret when it is, or ends in, a secret word (`password`, `PGPASSWORD`), not `tokenize`.
  if (parts.some((part) => SECRET_PARTS.some((word) => part.endsWith(word))) || SECRET_PARTS.some((word) => flat.endsWith(word))) {
    return flat.startsWith('max') ? 'none' : 'secret';
  }
  if (parts.some((part) => PUBLIC_PARTS.includes(part))) return 'none';
  return parts.some((part) => HINT_PARTS.includes(part)) ? 'hint' : 'none';
}

/** Values that may stand where a secret would without being one. */
function harmless(value: string): boolean {
  const v = value.trim();
  if (v.length < 3) return true;
  if (v.includes('[REDACTED:')) return true;
  if (/^(?:null|nil|none|true|false|yes|no|redacted|undefined|\|[-+0-9]*|>[-+0-9]*)$/i.test(v)) return true;
  if (/^[*xX.#-]+$/.test(v)) return true;
  if (/^(?:\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|\$\(.*\)|\{\{.*\}\}|<[^<>]*>|%[A-Za-z_]+%)$/.test(v)) return true;
  if (/^(?:vault|secret|secrets|sops|ref\+[a-z0-9]+|awssm|aws-sm|gcpsm|azkv|op|env|file|keyring):/i.test(v)) return true;
  if (/^arn:aws/.test(v) || /^[*&][A-Za-z0-9_.-]+$/.test(v)) return true;
  if (/^\d+(?:\.\d+)?(?:ns|us|ms|s|m|h|d|w|y|Ki|Mi|Gi|Ti|KB|MB|GB|TB)?$/.test(v) && !/^\d{4,}$/.test(v)) return true;
  if (/^(?:\d+[hms]){2,4}$/.test(v) || /^-/.test(v)) return true;
  if (/^\/[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)+\/?$/.test(v)) return true;
  // Words and code, not credentials: `scram-sha-256`, `always-impersonate`, `g_strdup(s)`, `$x->{y}`.
  if (/^[a-z]+(?:[-_.][a-z]+)*(?:-\d+)?$/.test(v) || /[()]|->/.test(v)) return true;
  return false;
}

/** Long, mixed-case-and-digit, many distinct characters: and not a digest, a UUID, a path or a public key. */
function randomLooking(value: string): boolean {
  const v = value.trim();
  if (v.length < 12 || /\s/.test(v) || harmless(v)) return false;
  if (/^[0-9a-fA-F]+$/.test(v) && (v.length === 40 || v.length === 64 || v.length === 128)) return false;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)) return false;
  if (/^(?:\/|\.\.?\/|~\/|ssh-|ecdsa-|https?:\/\/|sha(?:1|256|384|512):|SHA256:)/.test(v)) return false;
  if (!/^[A-Za-z0-9]/.test(v) || /[()[\]{}]/.test(v)) return false;
  const allClasses = /[a-z]/.test(v) && /[A-Z]/.test(v) && /[0-9]/.test(v);
  const hexKey = /^[0-9a-fA-F]{16,}$/.test(v) && (v.match(/[0-9]/g) ?? []).length >= 4;
  return (allClasses || hexKey) && new Set(v).size >= Math.min(10, v.length * 0.5);
}

/** Authorization header credentials and `curl -u user:password`. */
function httpCredentials(line: string, hits: LineHit[]): void {
  const lower = line.toLowerCase();
  for (let at = lower.indexOf('authorization'); at !== -1; at = lower.indexOf('authorization', at + 1)) {
    let i = at + 'authorization'.length;
    if (line[i] === '"' || line[i] === "'") i += 1;
    while (line[i] === ' ' || line[i] === '\t') i += 1;
    if (line[i] !== ':' && line[i] !== '=') continue;
    i += 1;
    while (line[i] === ' ' || line[i] === '\t' || line[i] === '"' || line[i] === "'") i += 1;
    let j = i;
    while (j < line.length && /[A-Za-z0-9-]/.test(line[j] as string)) j += 1;
    if (j === i || line[j] !== ' ') continue;
    const value = valueAfter(line, j);
    if (value !== undefined && value.text.length >= 8 && !harmless(value.text) && /[0-9]/.test(value.text)) {
      hits.push({ check: 'gate-http-credentials', start: value.start, end: value.end });
    }
  }
  gluedPassword(line, hits);
  for (const flag of [' -u ', ' --user ', ' --user=', ' -u=']) {
    for (let at = line.indexOf(flag); at !== -1; at = line.indexOf(flag, at + 1)) {
      const value = valueAfter(line, at + flag.length);
      if (value === undefined) continue;
      const colon = value.text.indexOf(':');
      if (colon <= 0 || harmless(value.text.slice(colon + 1))) continue;
      hits.push({ check: 'gate-http-credentials', start: value.start + colon + 1, end: value.end });
    }
  }
}

/** `mysql -pSecret` and `docker login -p secret`. */
function gluedPassword(line: string, hits: LineHit[]): void {
  const lower = line.toLowerCase();
  const mysql = lower.includes('mysql') || lower.includes('mariadb');
  const login = lower.includes('login');
  if (!mysql && !login) return;
  for (let at = line.indexOf(' -p'); at !== -1; at = line.indexOf(' -p', at + 3)) {
    const glued = line[at + 3] !== undefined && line[at + 3] !== ' ';
    if ((glued && !mysql) || (!glued && !login)) continue;
    const value = valueAfter(line, at + 3);
    if (value === undefined || harmless(value.text) || /^[a-z]+$/.test(value.text)) continue;
    hits.push({ check: 'gate-secret-assignment', start: value.start, end: value.end });
  }
}
