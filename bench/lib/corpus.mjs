// The redaction corpus (test/redact/corpus/*.yaml) and how it is scored. Shared by
// test/redact/corpus.test.ts (which must see 0 secrets left, 0 keep-values removed) and
// bench/redact-corpus.mjs (which prints recall and precision beside secretlint's).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const CORPUS_DIR = new URL('../../test/redact/corpus/', import.meta.url).pathname;

/** Every case of every class file, sorted by file name. */
export function loadCorpus(dir = CORPUS_DIR) {
  const cases = [];
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.yaml')).sort()) {
    const doc = parse(readFileSync(join(dir, file), 'utf8'));
    for (const c of doc.cases) cases.push({ class: doc.class, file, name: c.name, path: c.path, text: c.text, secrets: c.secrets ?? [], keep: c.keep ?? [] });
  }
  return cases;
}

/** Every place `needle` occurs in `text`, as [start, end). */
export function occurrences(text, needle) {
  const found = [];
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) found.push([at, at + needle.length]);
  return found;
}

/**
 * Score a redactor: `redact(text, path)` returns the output. A secret is left when the output
 * still contains it (raw, or JSON-escaped); a keep-value is removed when the output lacks it.
 */
export function scoreRedactor(cases, redact) {
  const result = { secrets: 0, removed: 0, keeps: 0, kept: 0, left: [], lost: [] };
  for (const c of cases) {
    const out = redact(c.text, c.path);
    for (const secret of c.secrets) {
      result.secrets += 1;
      if (out.includes(secret) || out.includes(JSON.stringify(secret).slice(1, -1))) result.left.push({ case: c.name, class: c.class });
      else result.removed += 1;
    }
    for (const keep of c.keep) {
      result.keeps += 1;
      if (out.includes(keep)) result.kept += 1;
      else result.lost.push({ case: c.name, class: c.class, keep });
    }
  }
  return result;
}

/**
 * Score a detector on the input: `detect(text, path)` returns [start, end) ranges it flags. A
 * secret is found when a flagged range overlaps every occurrence of it; a keep-value is intact
 * when no flagged range overlaps any occurrence of it.
 */
export function scoreDetector(cases, detect) {
  const result = { secrets: 0, removed: 0, keeps: 0, kept: 0, left: [], lost: [] };
  const overlaps = (ranges, [s, e]) => ranges.some(([a, b]) => a < e && s < b);
  for (const c of cases) {
    const ranges = detect(c.text, c.path);
    for (const secret of c.secrets) {
      result.secrets += 1;
      const spots = occurrences(c.text, secret);
      if (spots.length > 0 && spots.every((spot) => overlaps(ranges, spot))) result.removed += 1;
      else result.left.push({ case: c.name, class: c.class });
    }
    for (const keep of c.keep) {
      result.keeps += 1;
      if (occurrences(c.text, keep).some((spot) => overlaps(ranges, spot))) result.lost.push({ case: c.name, class: c.class, keep });
      else result.kept += 1;
    }
  }
  return result;
}
