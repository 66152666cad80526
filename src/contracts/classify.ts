import picomatch from 'picomatch';
import type { KindConfig } from './config/types.js';

const tests = new WeakMap<KindConfig, (rel: string) => boolean>();

/**
 * The kind that claims a document: the first whose match holds. A match names path globs
 * (relative to the root), and optionally the document's `apiVersion` and `kind`; every given part
 * must hold. Many real documents carry no apiVersion or kind, so a path alone is enough.
 */
export function matchKind(kinds: readonly KindConfig[], rel: string, value: unknown): KindConfig | undefined {
  const record = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  return kinds.find((kind) => {
    const { path, apiVersion, kind: kindField } = kind.match;
    if (apiVersion !== undefined && record.apiVersion !== apiVersion) return false;
    if (kindField !== undefined && record.kind !== kindField) return false;
    if (path !== undefined) {
      let test = tests.get(kind);
      if (test === undefined) {
        test = picomatch(path, { dot: true });
        tests.set(kind, test);
      }
      if (!test(rel)) return false;
    }
    return true;
  });
}
