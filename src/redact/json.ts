/**
 * Structured redaction of parsed JSON: values of secret-named keys, Kubernetes Secret
 * `data`/`stringData`, and every string value run through the text rules. Records carry RFC 6901
 * JSON pointers, never values. Plain JSON in (JSON.parse output), plain JSON out; the input is
 * not modified.
 */
import { inputError } from '../core/errors.js';
import { isDescriptiveKeyName, isHintKeyName, isNonSecretValue, isSecretKeyName, looksRandom } from './keys.js';
import { marker } from './line.js';
import { isAllowed } from './ruleset.js';
import { redactText, type TextOptions } from './text.js';
import { MAX_RECORDED_LOCATIONS, type RedactionRecord, type RuleSet } from './types.js';

/** Deeper documents are refused rather than risking the stack. */
export const MAX_JSON_DEPTH = 1000;

export function redactJsonValue(value: unknown, rules: RuleSet, options: TextOptions = {}): { value: unknown; records: RedactionRecord[] } {
  const records = new Map<string, RedactionRecord>();
  const note = (rule: string, pointer: string, count = 1): void => {
    let record = records.get(rule);
    if (record === undefined) {
      record = { rule, count: 0, pointers: [] };
      records.set(rule, record);
    }
    record.count += count;
    const pointers = record.pointers as string[];
    if (pointers.length < MAX_RECORDED_LOCATIONS && pointers[pointers.length - 1] !== pointer) pointers.push(pointer);
  };

  const secretLeaf = (leaf: unknown, rule: string, pointer: string): unknown => {
    const text = typeof leaf === 'number' ? String(leaf) : typeof leaf === 'string' ? leaf : undefined;
    if (text === undefined || isNonSecretValue(text) || isAllowed(rules, rule, text, options.path)) return walk(leaf, pointer, 0);
    note(rule, pointer);
    return marker(rule);
  };

  /** Every string/number leaf under a secret-named key is secret (`credentials: {user, password}`). */
  const walkSecret = (node: unknown, rule: string, pointer: string, depth: number): unknown => {
    if (depth > MAX_JSON_DEPTH) throw tooDeep();
    if (Array.isArray(node)) return node.map((item, i) => walkSecret(item, rule, `${pointer}/${i}`, depth + 1));
    if (isObject(node)) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(node)) {
        const child = `${pointer}/${escapePointer(key)}`;
        // Kubernetes Secret data is secret whatever its keys are called (`DATABASE_URL`, `tls.key`).
        const secret = rule === 'k8s-secret-data' || !isDescriptiveKeyName(key);
        out[key] = secret ? walkSecret(item, rule, child, depth + 1) : walk(item, child, depth + 1);
      }
      return out;
    }
    return secretLeaf(node, rule, pointer);
  };

  const walk = (node: unknown, pointer: string, depth: number): unknown => {
    if (depth > MAX_JSON_DEPTH) throw tooDeep();
    if (typeof node === 'string') {
      if (node.length === 0) return node;
      const result = redactText(node, rules, options);
      for (const record of result.records) note(record.rule, pointer, record.count);
      return result.text;
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, `${pointer}/${i}`, depth + 1));
    if (!isObject(node)) return node;
    const kubernetesSecret = node.kind === 'Secret';
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(node)) {
      const child = `${pointer}/${escapePointer(key)}`;
      if (kubernetesSecret && (key === 'data' || key === 'stringData') && isObject(item)) {
        out[key] = walkSecret(item, 'k8s-secret-data', child, depth + 1);
      } else if (isSecretKeyName(key)) {
        out[key] = walkSecret(item, 'secret-key-value', child, depth + 1);
      } else if (typeof item === 'string' && isHintKeyName(key) && looksRandom(item) && !isAllowed(rules, 'high-entropy-key-value', item, options.path)) {
        note('high-entropy-key-value', child);
        out[key] = marker('high-entropy-key-value');
      } else out[key] = walk(item, child, depth + 1);
    }
    return out;
  };

  const redacted = walk(value, '', 0);
  const sorted = [...records.values()].sort((a, b) => (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
  return { value: redacted, records: sorted };
}

function isObject(node: unknown): node is Record<string, unknown> {
  return typeof node === 'object' && node !== null && !Array.isArray(node);
}

/** RFC 6901 section 3: `~` is written `~0` and `/` is written `~1`. */
function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function tooDeep(): Error {
  return inputError('JSON_TOO_DEEP', `JSON nested deeper than ${MAX_JSON_DEPTH} levels cannot be redacted`, {
    hint: 'flatten the document or include it as text',
  });
}
