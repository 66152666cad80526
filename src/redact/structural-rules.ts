/**
 * Rules that find secrets by the structure around them rather than by their own shape: URL
 * userinfo and query parameters, key=value connection strings, shell assignments and command-line
 * flags, HTTP authentication, values under keys that only hint at a secret. Each is line-local
 * data for the line engine (see defaults.ts for the RuleSpec fields).
 */
import type { RuleSpec } from './defaults.js';
import { isHintKeyName, isNonSecretValue, isSecretKeyName, looksRandom } from './keys.js';
import { shellWordLength } from './shell.js';

/** Keys of connection strings and query strings that carry a credential (lower case, letters only). */
const CREDENTIAL_PARAMS = new Set([
  'password', 'pwd', 'pass', 'passwd', 'accountkey', 'sharedaccesskey', 'sharedaccesssignature', 'sig', 'signature',
  'xamzsignature', 'xgoogsignature', 'xamzsecuritytoken', 'accesstoken', 'apikey', 'token', 'secret', 'clientsecret',
]);

/** Prefilter literals: every credential key above contains one (`sig=`, not `sig`, which prose is full of). */
const SECRET_KEYWORDS = ['pass', 'pwd', 'secret', 'token', 'key', 'credential', 'sig=', 'signature='];

function credentialKey(key: string): boolean {
  return CREDENTIAL_PARAMS.has(key.toLowerCase().replace(/[^a-z]/g, '')) || isSecretKeyName(key);
}

function keyOf(match: RegExpExecArray): string {
  return match.groups?.key ?? '';
}

/**
 * How much of a value the hint-key rule reads before it decides. Its key check fails far more often
 * than not, and a value may run to the end of a 1 MiB line: reading it whole at every `k=` of
 * `k=k=k=...` made the rule quadratic in the line. A random-looking unquoted value that reaches the
 * probe is then taken whole, to the end of its word, so a long secret is not cut; a quoted value
 * longer than the probe is left to the other rules and the leak gate.
 */
const HINT_VALUE_PROBE = 1024;
const HINT_KEY_VALUE =
  '(?<![A-Za-z0-9_.-])(?<q>["\']?)(?<key>[A-Za-z0-9_.-]+)\\k<q>[ \\t]*[:=][ \\t]*' +
  `(?<value>"(?:[^"\\\\\\n]|\\\\.){0,${HINT_VALUE_PROBE}}"|'[^'\\n]{0,${HINT_VALUE_PROBE}}'|[^\\s"'{\\[,;&<>][^\\s,;&<>]{0,${HINT_VALUE_PROBE - 1}})`;
const UNQUOTED_VALUE_CHAR = /[^\s,;&<>]/;

/** An accepted hint-key value that filled the probe runs on to the end of its word (unquoted values only). */
function wholeHintValue(line: string, start: number, end: number): number {
  if (end - start < HINT_VALUE_PROBE || line[start] === '"' || line[start] === "'") return end;
  let whole = end;
  while (whole < line.length && UNQUOTED_VALUE_CHAR.test(line[whole] as string)) whole += 1;
  return whole;
}

/** One unit of a value assigned on a command line: a quoted string, a substitution, an escape or a plain character. */
const SHELL_VALUE_UNIT = '(?:\'[^\'\\n]*\'|"(?:[^"\\\\\\n]|\\\\.)*"|\\$\\([^)\\n]*\\)|\\$\\{[^}\\n]*\\}|\\\\.|[^\\s;|&<>\'"\\\\])';
/**
 * A shell assignment, its value read for at most HINT_VALUE_PROBE units before the rule decides
 * (linear in the line, as for the hint-key rule); an accepted value is then read whole.
 */
const SHELL_ASSIGNMENT = `(?<![A-Za-z0-9_$./-])(?<key>[A-Za-z_][A-Za-z0-9_]*)=(?<value>${SHELL_VALUE_UNIT}{1,${HINT_VALUE_PROBE}})`;
const SHELL_WHOLE_VALUE = new RegExp(`${SHELL_VALUE_UNIT}+`, 'y');

/** An accepted shell value, decided on its probe: the whole shell word it starts. */
function wholeShellValue(line: string, start: number, end: number): number {
  SHELL_WHOLE_VALUE.lastIndex = start;
  const whole = SHELL_WHOLE_VALUE.test(line) ? SHELL_WHOLE_VALUE.lastIndex : end;
  return start + shellWordLength(line.slice(start, whole));
}


/**
 * Under a key that names a credential, any value is secret except references, placeholders,
 * booleans, durations and sizes: a hex string there is a signature or a key, not a digest.
 */
function plainSecret(value: string): boolean {
  return !isNonSecretValue(value) && !/^["']?(?:true|false)["']?$/i.test(value);
}

/** `8443/v2/...`: what looked like `user:password` was `host:port/path`. */
function isPortAndPath(value: string): boolean {
  return /^\d{1,5}(?:[/?#]|$)/.test(value);
}

export const STRUCTURAL_PATTERN_RULES: readonly RuleSpec[] = [
  {
    id: 'url-password',
    description: 'Password in URL userinfo (scheme://user:password@host): any character, up to the last @ before the host',
    regex: '\\b[a-z][a-z0-9+.-]{0,30}://[^\\s:@/?#"\'<>]{0,256}:([^\\s"\'<>]{0,512})@(?=[A-Za-z0-9\\[_.%-])',
    flags: 'i',
    group: 1,
    keywords: ['://'],
    accept: (value) => !isPortAndPath(value) && !isNonSecretValue(value),
  },
  {
    id: 'connection-string-password',
    description: 'Credential in a semicolon connection string (ADO.NET, ODBC, JDBC, Azure): Password=, Pwd=, AccountKey=, SharedAccessKey=, up to the next `;` (quotes and braces honoured)',
    regex: '(?<lead>^|;)[ \\t]*(?<key>[A-Za-z][A-Za-z0-9 _.-]{0,40}?)[ \\t]*=[ \\t]*(?<value>"(?:[^"\\n]|"")*"|\'[^\'\\n]*\'|\\{(?:[^}\\n]|\\}\\})*\\}|[^;\\n]*)(?<end>;|$)',
    group: 'value',
    keywords: SECRET_KEYWORDS,
    accept: (value, match) => (match.groups?.lead === ';' || match.groups?.end === ';') && credentialKey(keyOf(match)) && plainSecret(value),
    narrow: (value) => value.trimEnd().length,
  },
  {
    id: 'shell-secret-assignment',
    description: 'Secret assigned in a command line or shell log (`PGPASSWORD=... psql`, `+ MYSQL_PWD=... mysqldump`, `env X=...`, `docker run -e X=...`)',
    regex: SHELL_ASSIGNMENT,
    group: 'value',
    keywords: SECRET_KEYWORDS,
    accept: (value, match) => (isSecretKeyName(keyOf(match)) ? plainSecret(value) : isHintKeyName(keyOf(match)) && looksRandom(value)),
    narrow: shellWordLength,
    whole: wholeShellValue,
  },
  {
    id: 'cli-secret-flag',
    description: 'Secret passed as a command-line option (`--password=x`, `--db-password x`, `--token x`)',
    regex: '(?<![A-Za-z0-9_-])--(?<key>[A-Za-z][A-Za-z0-9_-]*)(?:=|[ \\t]+)(?=[^\\s-])(?<value>(?:\'[^\'\\n]*\'|"(?:[^"\\\\\\n]|\\\\.)*"|\\$\\([^)\\n]*\\)|\\$\\{[^}\\n]*\\}|\\\\.|[^\\s;|&<>\'"\\\\])+)',
    group: 'value',
    // A flag that names a secret contains one of these words (`--db-password`, `--api-key`).
    keywords: ['pass', 'pwd', 'secret', 'token', 'key', 'credential'],
    accept: (value, match) => isSecretKeyName(keyOf(match)) && plainSecret(value),
    narrow: shellWordLength,
  },
  {
    id: 'cli-secret-flag',
    description: 'Password glued to -p for MySQL clients (`mysql -u root -pSecret`, `mysqldump`, `mysqladmin`) and -p of `docker/podman/helm login`',
    regex: '\\b(?:(?:mysql|mysqldump|mysqladmin)\\b[^\\n]{0,1024}?[ \\t]-p(?<glued>[^\\s\'"][^\\n]{0,4095}|\'[^\'\\n]*\'|"[^"\\n]*")|login\\b[^\\n]{0,1024}?[ \\t]-p[ \\t]+(?<value>[^\\s-][^\\n]{0,4095}))',
    group: 0,
    keywords: ['mysql', 'login'],
    find: (line) => gluedPasswordSpans(line),
  },
  {
    id: 'connection-string-password',
    description: 'Credential in key=value pairs separated by blanks, & or ? (libpq `password=`, query strings `?password=`, `&sig=`)',
    regex: '(?:^|[\\s,&?"\'(])(?<key>[A-Za-z][A-Za-z0-9_.-]*)[ \\t]*=[ \\t]*(?<value>\\$\\([^)\\n]*\\)|\\$\\{[^}\\n]*\\}|"(?:[^"\\\\\\n]|\\\\.)*"|\'[^\'\\n]*\'|(?:\\$\\([^)\\n]*\\)|\\$\\{[^}\\n]*\\}|[^\\s&"\'<>,;])+)',
    group: 'value',
    keywords: SECRET_KEYWORDS,
    accept: (value, match) => credentialKey(keyOf(match)) && plainSecret(value) && !/^-/.test(value),
  },
  {
    id: 'curl-user',
    description: 'Password of `curl -u user:password`, `--user`, `--proxy-user` (the user is kept)',
    regex: '(?<![A-Za-z0-9_-])(?:-u|--user|--proxy-user|-U)(?:=|[ \\t]+)[\'"]?[^:\\s\'"]*:',
    group: 0,
    keywords: ['curl', 'wget', '--user', '--proxy-user'],
    find: (line) => curlUserSpans(line),
  },
  {
    id: 'http-authorization',
    description: 'Credentials of an Authorization or Proxy-Authorization header with any scheme (token, Digest response, ApiKey, ...); Basic and Bearer have rules of their own',
    regex: '\\b(?:proxy-)?authorization["\']?[ \\t]*[:=][ \\t]*["\']?(?<scheme>token|apikey|api-key|sso-key|key|negotiate|ntlm|hmac|signature)[ \\t]+(?<value>[^\\s"\',]{6,})',
    flags: 'i',
    group: 'value',
    keywords: ['authorization'],
    accept: (value) => plainSecret(value),
  },
  {
    id: 'high-entropy-key-value',
    description: 'A random-looking value (entropy and character mixing) under a key that only hints at a secret: signing_key, REDIS_PASS, auth, salt, session_key',
    regex: HINT_KEY_VALUE,
    group: 'value',
    keywords: ['key', 'pass', 'auth', 'salt'],
    accept: (value, match) => isHintKeyName(keyOf(match)) && looksRandom(value),
    whole: wholeHintValue,
  },
];


/** `mysql ... -pSecret` (glued) and `... login ... -p secret`: the spans of the passwords. */
function gluedPasswordSpans(line: string): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  const mysql = /\b(?:mysql|mysqldump|mysqladmin)\b[^\n]{0,1024}?[ \t]-p(?=[^\s])/g;
  const login = /\blogin\b[^\n]{0,1024}?[ \t]-p[ \t]+(?=[^\s-])/g;
  for (const pattern of [mysql, login]) {
    for (let m = pattern.exec(line); m !== null; m = pattern.exec(line)) {
      const start = m.index + m[0].length;
      const length = shellWordLength(line.slice(start));
      if (length > 0 && plainSecret(line.slice(start, start + length))) spans.push({ start, end: start + length });
      pattern.lastIndex = Math.max(pattern.lastIndex, start + 1);
    }
  }
  return spans;
}

/** `-u user:password`: the password, up to the closing quote when the pair is quoted, else one shell word. */
function curlUserSpans(line: string): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  const pattern = /(?<![A-Za-z0-9_-])(?:-u|--user|--proxy-user|-U)(?:=|[ \t]+)(['"]?)[^:\s'"]*:/g;
  for (let m = pattern.exec(line); m !== null; m = pattern.exec(line)) {
    const start = m.index + m[0].length;
    const quote = m[1] as string;
    const close = quote === '' ? -1 : line.indexOf(quote, start);
    const end = quote === '' ? start + shellWordLength(line.slice(start)) : close === -1 ? line.length : close;
    if (end > start && plainSecret(line.slice(start, end))) spans.push({ start, end });
  }
  return spans;
}
