import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
const { findSecretsInText } = await import('./dist/redact/text.js');
const { placeholderRule, inlineSecretRule } = await import('./dist/contracts/rules/document.js');
const { loadContractFileSync } = await import('./dist/contracts/source.js');
const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap(e => e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]);
const dir = process.argv[2];
const files = walk(dir).filter(f => /\.(ya?ml|json)$/.test(f) && !f.includes('_schema'));
const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };
let t = cpu(); const srcs = files.map(f => loadContractFileSync(f)).filter(r => r.ok).map(r => r.source); console.log('parse', (cpu() - t).toFixed(0));
for (let round = 0; round < 2; round++) {
t = cpu(); for (const s of srcs) findSecretsInText(s.text); console.log('textscan', (cpu() - t).toFixed(0));
t = cpu(); for (const s of srcs) placeholderRule.check(s); console.log('placeholder (incl)', (cpu() - t).toFixed(0));
t = cpu(); for (const s of srcs) inlineSecretRule.check(s); console.log('inlineSecret (incl textscan)', (cpu() - t).toFixed(0));
}
