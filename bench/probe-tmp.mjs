import { canonicalize } from 'json-canonicalize';
import { loadCorpus, scoreRedactor } from '/work/wt-11/bench/lib/corpus.mjs';
const dist = process.argv[2] ?? '/work/wt-11/dist';
const { defaultRuleSet, redactText, redactJsonValue, scanForSecrets } = await import(dist + '/redact/index.js');
const rules = defaultRuleSet();
const redact = (text, path) => {
  if (path.endsWith('.json')) { try { return canonicalize(redactJsonValue(JSON.parse(text), rules, { path }).value); } catch {} }
  return redactText(text, rules, { path }).text;
};
const cases = loadCorpus();
const r = scoreRedactor(cases, redact);
console.log(`secrets removed ${r.removed}/${r.secrets}, keeps ${r.kept}/${r.keeps}`);
for (const x of r.left) console.log('LEFT', x.class, '|', x.case);
for (const x of r.lost) console.log('LOST', x.class, '|', x.case, '|', x.keep);
if (process.argv[3]) for (const c of cases) if (c.name.includes(process.argv[3])) { const o = redact(c.text, c.path); console.log(o); console.log(scanForSecrets(o, rules)); }
