import { canonicalize } from 'json-canonicalize';
import { loadCorpus, scoreRedactor, scoreDetector } from './lib/corpus.mjs';
const dist = process.argv[2] ?? '/work/wt-11/dist';
const { defaultRuleSet, redactText, redactJsonValue, scanForSecrets, leakGate } = await import(dist + '/redact/index.js');
const rules = defaultRuleSet();
const redact = (text, path) => {
  if (path.endsWith('.json')) { try { return canonicalize(redactJsonValue(JSON.parse(text), rules, { path }).value); } catch {} }
  return redactText(text, rules, { path }).text;
};
const cases = loadCorpus();
const r = scoreRedactor(cases, redact);
console.log(`secrets removed ${r.removed}/${r.secrets}, keeps ${r.kept}/${r.keeps}`);
for (const c of cases) { const o = redact(c.text, c.path); const f = scanForSecrets(o, rules, { path: c.path }); if (f.length) console.log('SCAN FP', c.name, f.map(x => x.rule + ':' + o.slice(x.start, x.end))); }
const g = scoreDetector(cases, (t) => leakGate(t, rules).map((f) => [f.start, f.end]));
console.log(`gate alone on raw input: found ${g.removed}/${g.secrets}, keeps ${g.kept}/${g.keeps}`);
for (const x of g.left) console.log('GATE MISS', x.class, '|', x.case);
for (const x of g.lost) console.log('GATE FP', x.class, '|', x.case, '|', x.keep);
