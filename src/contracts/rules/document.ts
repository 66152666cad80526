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

const PLACEHOLDERS: RegExp[] = [/<[^<>\n]{1,80}>/, /\b(TODO|TBD|FIXME|XXX)\b/, /change[-_ ]?me/i];

export function isPlaceholder(text: string): boolean {
  return PLACEHOLDERS.some((pattern) => pattern.test(text));
}

/** Every string value (and every key) in a JSON value with its pointer, without recursion. */
function* strings(value: unknown): Generator<{ pointer: string; key?: string; text: string; kind: 'key' | 'value' }> {
  const stack: { pointer: string; value: unknown }[] = [{ pointer: '', value }];
  while (stack.length > 0) {
    const { pointer, value: current } = stack.pop()!;
    if (typeof current === 'string') {
      yield { pointer, text: current, kind: 'value' };
    } else if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index -= 1) stack.push({ pointer: `${pointer}/${index}`, value: current[index] });
    } else if (current !== null && typeof current === 'object') {
      const entries = Object.entries(current as Record<string, unknown>).reverse();
      for (const [key, child] of entries) {
        yield { pointer, key, text: key, kind: 'key' };
        stack.push({ pointer: `${pointer}/${escapePointerPart(key)}`, value: child });
      }
    }
  }
}

export const placeholderRule: DocumentRule = {
  id: 'document.placeholder',
  code: 'PLACEHOLDER',
  summary: 'No value is a placeholder such as <placeholder>, TODO, TBD, FIXME or changeme.',
  check(source) {
    const findings: Finding[] = [];
    for (const entry of strings(source.value)) {
      if (entry.kind !== 'value' || !isPlaceholder(entry.text)) continue;
      findings.push({
        status: 'fail',
        message: 'value is a placeholder; fill in the real value',
        source,
        pointer: entry.pointer,
      });
    }
    return findings;
  },
};

export const inlineSecretRule: DocumentRule = {
  id: 'secret.inline',
  code: 'INLINE_SECRET',
  summary:
    'No secret appears anywhere in a contract file, comments included (redaction detectors), and no key named like a secret (password, token, ...) holds a value: use a secret reference.',
  check(source) {
    const findings: Finding[] = [];
    for (const secret of findSecretsInText(source.text)) {
      findings.push({
        status: 'fail',
        message: `an inline secret (${secret.rule}) is in the file; never commit secrets, reference them`,
        hint: 'remove it, rotate it, and use a vault:// secret reference',
        source,
        pointer: '',
        data: { rule: secret.rule, line: secret.line, column: secret.column },
      });
    }
    for (const entry of strings(source.value)) {
      if (entry.kind !== 'key' || !isSecretKeyName(entry.text)) continue;
      const value = (lookup(source.value, entry.pointer) as Record<string, unknown>)[entry.text];
      if (typeof value !== 'string' && typeof value !== 'number') continue;
      if (value === '') continue;
      findings.push({
        status: 'fail',
        message: `key "${entry.text}" holds a value; secrets must be references, never inline`,
        hint: 'remove it, rotate it, and use a vault:// secret reference',
        source,
        pointer: `${entry.pointer}/${escapePointerPart(entry.text)}`,
      });
    }
    return findings;
  },
};

function lookup(value: unknown, pointer: string): unknown {
  if (pointer === '') return value;
  let current = value;
  for (const part of pointer.slice(1).split('/')) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export const DOCUMENT_RULES: readonly DocumentRule[] = [placeholderRule, inlineSecretRule];
