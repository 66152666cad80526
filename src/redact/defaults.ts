/**
 * The default rules, as data. Each pattern is line-local (a match never spans a line) and comes
 * with literal keywords that every match contains: a line without a keyword is never examined
 * further, which keeps plain log text fast. Multi-line and structural secrets (PEM private key
 * blocks, YAML block scalars, Kubernetes Secret `data`) are handled by the line engine
 * (engine.ts) under the ids listed in {@link STRUCTURAL_RULE_IDS}.
 */
import { embeddedJsonSpans } from './embedded.js';
import { isNonSecretValue, isSecretKeyName } from './keys.js';
import { PREFIX_RULES } from './prefixes.js';
import { restIsCommand, shellWordLength } from './shell.js';
import { STRUCTURAL_PATTERN_RULES } from './structural-rules.js';
import type { SpanFinder } from './types.js';

export interface RuleSpec {
  id: string;
  description: string;
  /** Regex source; compiled with flags `gm` plus `flags`. */
  regex: string;
  flags?: 'i' | '';
  /** Capture group to redact; 0 (default) redacts the whole match. */
  group?: number | string;
  /** Case-insensitive literals, one of which every match contains. */
  keywords: string[];
  /** A prefilter regex (flags `gim`) to use instead of the keywords; every match must contain a match of it. */
  trigger?: string;
  /** Literals (exact case) that every match of `trigger` starts with: the engine's prefilter looks for them, then tries `trigger` there. */
  triggerStarts?: string[];
  accept?: (value: string, match: RegExpExecArray) => boolean;
  /** How many characters of the captured value are the secret (cuts comments, next keys). */
  narrow?: (value: string) => number;
  /**
   * For a regex that reads only a bounded probe of the value (so that rejecting a candidate costs
   * bounded work, not the rest of a long line): where an accepted value really ends.
   */
  whole?: (line: string, start: number, end: number) => number;
  scanOnly?: boolean;
  /** Keywords match only as written (vendor prefixes are case-sensitive): fewer forms to scan for. */
  caseSensitive?: boolean;
  /** Finds the spans in code instead of with `regex` (which then only documents the shape). */
  find?: SpanFinder;
}

/** Secret-naming words, as a regex alternative, for keyword prefilters of key/value rules. */
const SECRET_KEY_KEYWORDS = ['pass', 'pwd', 'secret', 'token', 'key', 'credential'];

/** A key (bare or quoted) that names a secret, then `:` or `=`: the value is group `value`. */
const QUOTED_VALUE = `"(?:[^"\\\\\\n]|\\\\.)*"|'[^'\\n]*'`;

function keyNamed(match: RegExpExecArray): boolean {
  return isSecretKeyName(match.groups?.key ?? '');
}

function secretValue(value: string, match: RegExpExecArray): boolean {
  return keyNamed(match) && !isNonSecretValue(value);
}

/**
 * An unquoted value runs to the end of the line, less a trailing ` # comment`, a following
 * `, key: value` pair (flow mappings, logs) and trailing spaces, commas and closing brackets.
 * Quoted values are kept whole. Done in code, not in the regex, to keep matching linear.
 */
export function unquotedValueLength(value: string): number {
  if (value.startsWith('"') || value.startsWith("'")) return value.length;
  let end = value.length;
  const comment = value.search(/[ \t]#/);
  if (comment !== -1) end = comment;
  const nextPair = /,[ \t]*["']?[A-Za-z0-9_.-]+["']?[ \t]*[:=]/.exec(value.slice(0, end));
  if (nextPair !== null) end = nextPair.index;
  // Trailing closers belong to an enclosing flow collection unless the value opened them (`${X}`):
  // a closer is cut while the value up to it holds more of them than of their openers.
  const brackets = { '{': 0, '}': 0, '[': 0, ']': 0 };
  for (let i = 0; i < end; i += 1) {
    const c = value[i] as string;
    if (c in brackets) brackets[c as keyof typeof brackets] += 1;
  }
  for (;;) {
    const last = value[end - 1];
    if (last === undefined) break;
    if (/\s|,/.test(last)) end -= 1;
    else if (last === '}' && brackets['}'] > brackets['{']) {
      brackets['}'] -= 1;
      end -= 1;
    } else if (last === ']' && brackets[']'] > brackets['[']) {
      brackets[']'] -= 1;
      end -= 1;
    } else break;
  }
  return end;
}

/**
 * A value assigned at the start of a line: one shell word when a command follows
 * (`PGPASSWORD=x psql -h db`), else the rest of the line (`.env`: `SMTP_PASSWORD=two words`).
 */
export function assignedValueLength(value: string): number {
  if (value.startsWith('"') || value.startsWith("'")) return value.length;
  const word = shellWordLength(value);
  return restIsCommand(value.slice(word)) ? word : unquotedValueLength(value);
}

/** Every spelling of a literal in upper and lower case letters (`hv.`: `hv.`, `hV.`, `Hv.`, `HV.`). */
function letterCases(literal: string): string[] {
  let forms = [''];
  for (const c of literal) forms = forms.flatMap((form) => [...new Set([form + c.toLowerCase(), form + c.toUpperCase()])]);
  return forms;
}

/** Legacy Vault tokens are 24 random base62 characters: demand the mix, so words and hex never match. */
function mixedBase62(value: string): boolean {
  const body = value.slice(2);
  return /[a-z]/.test(body) && /[A-Z]/.test(body) && /[0-9]/.test(body);
}

export const DEFAULT_RULES: readonly RuleSpec[] = [
  {
    id: 'aws-access-key-id',
    description: 'AWS access key id (AKIA/ASIA/... followed by 16 upper-case letters or digits)',
    regex: '\\b(?:AKIA|ASIA|ABIA|ACCA|AIDA|AROA|AIPA|ANPA|ANVA|AGPA)[A-Z0-9]{16}\\b',
    keywords: ['akia', 'asia', 'abia', 'acca', 'aida', 'aroa', 'aipa', 'anpa', 'anva', 'agpa'],
  },
  {
    id: 'aws-secret-access-key',
    description: 'AWS secret access key: 40 base64 characters after a key named like aws_secret_access_key',
    regex: '(?:aws)?[_.-]?secret[_.-]?access[_.-]?key["\']?\\s*[:=]\\s*["\']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])',
    flags: 'i',
    group: 1,
    keywords: ['secret_access_key', 'secretaccesskey', 'secret-access-key', 'secret.access.key'],
  },
  {
    id: 'github-token',
    description: 'GitHub tokens: ghp_, gho_, ghu_, ghs_, ghr_ and fine-grained github_pat_',
    regex: '\\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\\b',
    keywords: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
  },
  {
    id: 'gitlab-token',
    description: 'GitLab tokens: personal/project/group (glpat-), deploy (gldt-), runner (glrt-, GR1348941), trigger (glptt-), and others',
    regex: '\\b(?:(?:glpat|gldt|glrt|glptt|glcbt|glimt|glsoat|glffct|gloas)-[A-Za-z0-9_-]{20,}|GR1348941[A-Za-z0-9_-]{20,})',
    keywords: ['glpat-', 'gldt-', 'glrt-', 'glptt-', 'glcbt-', 'glimt-', 'glsoat-', 'glffct-', 'gloas-', 'gr1348941'],
  },
  {
    id: 'slack-token',
    description: 'Slack tokens (xoxb-, xoxp-, xoxa-, xoxo-, xoxr-, xoxs-, xapp-)',
    regex: '\\b(?:xox[abposr]-[A-Za-z0-9-]{10,}|xapp-[0-9]-[A-Za-z0-9-]{10,})',
    keywords: ['xox', 'xapp-'],
  },
  {
    id: 'slack-webhook',
    description: 'Slack incoming webhook URL path (the URL is the credential)',
    regex: 'hooks\\.slack\\.com/(?:services|workflows|triggers)/([A-Za-z0-9_/-]{20,})',
    group: 1,
    keywords: ['hooks.slack.com'],
  },
  {
    id: 'vault-token',
    description: 'HashiCorp Vault tokens: hvs./hvb./hvr. and the legacy s./b./r. forms (24 base62 characters)',
    regex: '\\b(?:hv[sbr]\\.[A-Za-z0-9_-]{24,}|[sbr]\\.[A-Za-z0-9]{24}(?![A-Za-z0-9_.-]))',
    keywords: ['hvs.', 'hvb.', 'hvr.'],
    // Case-insensitive, spelled out: a case-sensitive trigger joins the engine's shared pass.
    trigger: '\\b(?:[Hh][Vv][SsBbRr]\\.|[SsBbRr]\\.[A-Za-z0-9]{24})',
    triggerStarts: [...letterCases('hvs.'), ...letterCases('hvb.'), ...letterCases('hvr.'), ...letterCases('s.'), ...letterCases('b.'), ...letterCases('r.')],
    caseSensitive: true,
    accept: (value) => value.startsWith('hv') || mixedBase62(value),
  },
  {
    id: 'jwt',
    description: 'JSON Web Tokens (three base64url parts, header and payload starting with eyJ)',
    regex: '\\beyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]*',
    keywords: ['eyJ'],
  },
  ...PREFIX_RULES,
  {
    id: 'bearer-token',
    description: 'Bearer tokens (`Authorization: Bearer ...`, `bearer <token>`)',
    regex: '\\bbearer\\s+([A-Za-z0-9._~+/-]{8,}=*)',
    flags: 'i',
    group: 1,
    keywords: ['bearer'],
    accept: (value) => !isNonSecretValue(value) && /[0-9]/.test(value),
  },
  {
    id: 'basic-auth',
    description: 'HTTP Basic credentials in an Authorization header',
    regex: '\\bauthorization["\']?\\s*[:=]\\s*["\']?basic\\s+([A-Za-z0-9+/]{4,}={0,2})',
    flags: 'i',
    group: 1,
    keywords: ['basic'],
  },
  {
    id: 'pem-private-key',
    description: 'PEM private key on one line (escaped newlines, e.g. inside JSON); multi-line blocks are handled by the engine',
    regex: '-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----',
    keywords: ['private key'],
  },
  {
    id: 'env-secret-assignment',
    description: '.env and shell style KEY=value where the key names a secret (DB_PASSWORD=..., export API_TOKEN=...)',
    regex: `^[ \\t]*(?:export[ \\t]+)?(?<key>[A-Za-z_][A-Za-z0-9_.-]*)[ \\t]*=[ \\t]*(?<value>${QUOTED_VALUE}|[^\\s#'"][^\\n]{0,4095})`,
    group: 'value',
    keywords: SECRET_KEY_KEYWORDS,
    accept: secretValue,
    narrow: assignedValueLength,
  },
  ...STRUCTURAL_PATTERN_RULES.filter((rule) => rule.id !== 'high-entropy-key-value'),
  {
    id: 'embedded-json',
    description: 'JSON documents inside a line (kubectl last-applied-configuration, escaped documents): redacted as JSON, in place',
    regex: '\\{\\\\?"',
    keywords: ['{"', '{ "', '{\\"'],
    find: embeddedJsonSpans,
  },
  {
    id: 'secret-key-value',
    description: 'Value of a YAML/JSON/log key named like password, passwd, secret, token, api_key, private_key, credentials',
    regex: `(?<![A-Za-z0-9_.-])(?<q>["']?)(?<key>[A-Za-z0-9_.-]+)\\k<q>[ \\t]*:[ \\t]*(?<value>${QUOTED_VALUE}|[^\\s"'{\\[#,][^\\n]{0,4095})`,
    group: 'value',
    keywords: SECRET_KEY_KEYWORDS,
    accept: secretValue,
    narrow: unquotedValueLength,
  },
  ...STRUCTURAL_PATTERN_RULES.filter((rule) => rule.id === 'high-entropy-key-value'),
];

/** Rules the line engine implements itself (multi-line or structural). */
export const STRUCTURAL_RULES: readonly { id: string; description: string }[] = [
  { id: 'pem-private-key', description: 'PEM private key blocks (RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP), BEGIN line through END line' },
  { id: 'k8s-secret-data', description: 'Values under `data:`/`stringData:` in a YAML document with `kind: Secret`' },
  { id: 'secret-key-value', description: 'YAML block scalars (`password: |`) under a key named like a secret' },
];

/**
 * Leftover detectors, used only by the final scan: looser forms of high-risk prefixes than the
 * redaction rules accept, so a near-miss (a short or oddly cut token) still stops the build.
 */
export const LEFTOVER_RULES: readonly RuleSpec[] = [
  {
    id: 'leftover-private-key-header',
    description: 'any PEM `BEGIN ... PRIVATE KEY` header left in the output',
    regex: '-----BEGIN[A-Z0-9 ]*PRIVATE KEY',
    flags: 'i',
    keywords: ['private key'],
    scanOnly: true,
  },
  {
    id: 'leftover-token-prefix',
    description: 'high-risk token prefixes with a token-like tail of any length: AKIA/ASIA, gh*_, github_pat_, glpat-, xox*-, hvs., JWT header+payload, sk_live_',
    regex:
      '\\b(?:(?:AKIA|ASIA)[A-Z0-9]{12,}|gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{12,}|glpat-[A-Za-z0-9_-]{12,}|xox[abposr]-[A-Za-z0-9-]{8,}|hv[sbr]\\.[A-Za-z0-9_-]{12,}|eyJ[A-Za-z0-9_-]{6,}\\.eyJ[A-Za-z0-9_-]{2,}|[sr]k_live_[A-Za-z0-9]{10,})',
    keywords: ['akia', 'asia', 'gho_', 'ghp_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_', 'glpat-', 'xox', 'hvs.', 'hvb.', 'hvr.', 'eyJ', 'k_live_'],
    scanOnly: true,
  },
];
