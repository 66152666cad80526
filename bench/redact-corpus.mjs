// Recall (secrets removed) and precision (keep-values intact) of our redaction on the corpus in
// test/redact/corpus/, beside secretlint's recommended preset on the same text, per finding class.
// Run after `npm run build`: node bench/redact-corpus.mjs [--table]   (--table: the per-rule
// fixture count table of docs/redaction.md, in Markdown)
// Scoring (bench/lib/corpus.mjs): ours by the output of the builder's redaction; secretlint (a
// detector, not a redactor) by whether its reported ranges cover every occurrence of a secret and
// none of a keep-value. The leak gate alone is scored the same way, on the raw input.
import { lintSource } from '@secretlint/core';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import { canonicalize } from 'json-canonicalize';
import { loadCorpus, scoreDetector, scoreRedactor } from './lib/corpus.mjs';

const { defaultRuleSet, leakGate, redactJsonValue, redactText } = await import(new URL('../dist/redact/index.js', import.meta.url).href);
const rules = defaultRuleSet();
const cases = loadCorpus();

function redact(text, path) {
  if (path.endsWith('.json')) return canonicalize(redactJsonValue(JSON.parse(text), rules, { path }).value);
  return redactText(text, rules, { path }).text;
}

const secretlintRanges = new Map();
for (const c of cases) {
  const result = await lintSource({
    source: { filePath: `/corpus/${c.path}`, content: c.text, contentType: 'text' },
    options: { config: { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommended }] } },
  });
  secretlintRanges.set(c, result.messages.map((m) => m.range));
}

const bare = { rules: [], allow: [], source: 'none' };
const classes = [...new Set(cases.map((c) => c.class))];
const pct = (a, b) => (b === 0 ? '-' : `${((100 * a) / b).toFixed(0)}%`);
const cell = (s) => `${s.removed}/${s.secrets} (${pct(s.removed, s.secrets)}) | ${s.kept}/${s.keeps} (${pct(s.kept, s.keeps)})`;

if (process.argv.includes('--table')) {
  // Which rule ids fire on each class's positives, and how many positives and negatives it has.
  console.log('| class (corpus file) | cases | secrets (positives) | keep-values (negatives) | rules that redact them (count) |');
  console.log('|---|---|---|---|---|');
  for (const name of classes) {
    const group = cases.filter((c) => c.class === name);
    const counts = new Map();
    for (const c of group) {
      const records = c.path.endsWith('.json') ? redactJsonValue(JSON.parse(c.text), rules, { path: c.path }).records : redactText(c.text, rules, { path: c.path }).records;
      for (const r of records) counts.set(r.rule, (counts.get(r.rule) ?? 0) + r.count);
    }
    const fired = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([id, n]) => `\`${id}\` ${n}`).join(', ');
    console.log(`| ${name} (\`${group[0].file}\`) | ${group.length} | ${group.reduce((n, c) => n + c.secrets.length, 0)} | ${group.reduce((n, c) => n + c.keep.length, 0)} | ${fired} |`);
  }
  process.exit(0);
}

console.log('| class | ours: secrets removed | ours: keep-values intact | secretlint: secrets found | secretlint: keep-values untouched | leak gate alone: secrets found | leak gate alone: keep-values untouched |');
console.log('|---|---|---|---|---|---|---|');
for (const name of [...classes, 'all']) {
  const group = name === 'all' ? cases : cases.filter((c) => c.class === name);
  const ours = scoreRedactor(group, redact);
  const theirs = scoreDetector(group, (text) => secretlintRanges.get(group.find((c) => c.text === text)) ?? []);
  const gate = scoreDetector(group, (text) => leakGate(text, bare).map((f) => [f.start, f.end]));
  const label = name === 'all' ? '**all**' : name;
  console.log(`| ${label} | ${cell(ours).replace(' | ', ' | ')} | ${cell(theirs)} | ${cell(gate)} |`);
}
// What secretlint would add to the build: secrets it finds that our redaction leaves.
const added = cases.flatMap((c) => {
  const out = redact(c.text, c.path);
  const ranges = secretlintRanges.get(c);
  return c.secrets
    .filter((secret) => out.includes(secret))
    .filter((secret) => ranges.some(([a, b]) => c.text.indexOf(secret) < b && a < c.text.indexOf(secret) + secret.length))
    .map(() => `${c.class}: ${c.name}`);
});
console.log(`\nsecretlint finds ${added.length} secret(s) that our redaction leaves${added.length > 0 ? `: ${added.join('; ')}` : ''}.`);
