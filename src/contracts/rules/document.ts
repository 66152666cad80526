import { isSecretKeyName } from '../../redact/keys.js';
import { findSecretsInText } from '../../redact/text.js';
import { escapePointerPart, type SourceDocument } from '../source.js';
import type { Finding } from './model.js';

/** Rules applied to every parsed document, of any kind, before its schema is checked. */
export interface DocumentRule {
  id: string;
  code: string;
  summary: string;
  check(source: SourceDocument): Finding[];
}

/** `<placeholder>`, TODO, TBD, FIXME, XXX (as written), changeme (any case): one regex, tested once per value. */
const PLACEHOLDER = /<[^<>\n]{1,80}>|\b(?:TODO|TBD|FIXME|XXX)\b|[Cc][Hh][Aa][Nn][Gg][Ee][-_ ]?[Mm][Ee]/;

export function isPlaceholder(text: string): boolean {
  return PLACEHOLDER.test(text);
}

/** A node met by {@link walkStrings}: its pointer is built only when a finding needs it. */
interface Place {
  parent: Place | undefined;
  /** The escaped reference token from the parent ('' at the root). */
  part: string;
}

function pointerOf(place: Place): string {
  const parts: string[] = [];
  for (let at: Place | undefined = place; at !== undefined && at.parent !== undefined; at = at.parent) parts.push(at.part);
  return parts.length === 0 ? '' : `/${parts.reverse().join('/')}`;
}

/**
 * Every string value (`onValue`) and every key (`onKey`, with the mapping that holds it) of a
 * JSON value, without recursion: values in document order; the keys of a mapping last to first,
 * when the walk reaches it. Only collections get a place (and a frame); strings are met in line.
 */
function walkStrings(value: unknown, onValue: ((text: string, place: () => Place) => void) | undefined, onKey?: (key: string, holder: Record<string, unknown>, place: Place) => void): void {
  const root: Place = { parent: undefined, part: '' };
  if (typeof value === 'string') {
    onValue?.(value, () => root);
    return;
  }
  const frames: Frame[] = [];
  const enter = (collection: unknown, place: Place): void => {
    if (Array.isArray(collection)) {
      frames.push({ place, array: collection, keys: undefined, record: undefined, next: 0 });
    } else if (collection !== null && typeof collection === 'object') {
      const record = collection as Record<string, unknown>;
      const keys = Object.keys(record);
      if (onKey !== undefined) for (let index = keys.length - 1; index >= 0; index -= 1) onKey(keys[index]!, record, place);
      frames.push({ place, array: undefined, keys, record, next: 0 });
    }
  };
  enter(value, root);
  while (frames.length > 0) {
    const frame = frames[frames.length - 1]!;
    const length = frame.array !== undefined ? frame.array.length : frame.keys!.length;
    if (frame.next >= length) {
      frames.pop();
      continue;
    }
    const index = frame.next;
    frame.next += 1;
    const key = frame.keys === undefined ? undefined : frame.keys[index]!;
    const child = key === undefined ? frame.array![index] : frame.record![key];
    if (typeof child === 'string') {
      if (onValue !== undefined) onValue(child, () => ({ parent: frame.place, part: key === undefined ? String(index) : escapePointerPart(key) }));
    } else if (child !== null && typeof child === 'object') {
      enter(child, { parent: frame.place, part: key === undefined ? String(index) : escapePointerPart(key) });
    }
  }
}

interface Frame {
  place: Place;
  array: unknown[] | undefined;
  keys: string[] | undefined;
  record: Record<string, unknown> | undefined;
  next: number;
}

export const placeholderRule: DocumentRule = {
  id: 'document.placeholder',
  code: 'PLACEHOLDER',
  summary: 'No value is a placeholder such as <placeholder>, TODO, TBD, FIXME or changeme.',
  check(source) {
    const findings: Finding[] = [];
    walkStrings(source.value, (text, place) => {
      if (!isPlaceholder(text)) return;
      findings.push({
        status: 'fail',
        message: 'value is a placeholder; fill in the real value',
        source,
        pointer: pointerOf(place()),
      });
    });
    return findings;
  },
};

/** One hit of the redaction detectors in a contract's text: where it starts (1-based line and column). */
export interface TextSecret {
  rule: string;
  line: number;
  column: number;
}

/** The inline secret rule's finding for a detector hit in the file's text (comments included). */
export function textSecretFinding(source: SourceDocument, secret: TextSecret): Finding {
  return {
    status: 'fail',
    message: `an inline secret (${secret.rule}) is in the file; never commit secrets, reference them`,
    hint: 'remove it, rotate it, and use a vault:// secret reference',
    source,
    pointer: '',
    data: { rule: secret.rule, line: secret.line, column: secret.column },
  };
}

/** The inline secret rule's findings for keys named like a secret (password, token, ...) that hold a value. */
export function secretKeyFindings(source: SourceDocument): Finding[] {
  const findings: Finding[] = [];
  walkStrings(source.value, undefined, (key, holder, place) => {
    if (!isSecretKeyName(key)) return;
    const value = holder[key];
    if ((typeof value !== 'string' && typeof value !== 'number') || value === '') return;
    findings.push({
      status: 'fail',
      message: `key "${key}" holds a value; secrets must be references, never inline`,
      hint: 'remove it, rotate it, and use a vault:// secret reference',
      source,
      pointer: `${pointerOf(place)}/${escapePointerPart(key)}`,
    });
  });
  return findings;
}

export const inlineSecretRule: DocumentRule = {
  id: 'secret.inline',
  code: 'INLINE_SECRET',
  summary:
    'No secret appears anywhere in a contract file, comments included (redaction detectors), and no key named like a secret (password, token, ...) holds a value: use a secret reference.',
  check(source) {
    return [...findSecretsInText(source.text).map((secret) => textSecretFinding(source, secret)), ...secretKeyFindings(source)];
  },
};

export const DOCUMENT_RULES: readonly DocumentRule[] = [placeholderRule, inlineSecretRule];
