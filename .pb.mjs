import { readFileSync, readdirSync, openSync, fstatSync, readSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import jsyaml from 'js-yaml';
const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap(e => e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]);
const files = walk(process.argv[2]).filter(f => /\.(ya?ml|json)$/.test(f) && !f.includes('_schema'));
const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };
let t = cpu(); const texts = files.map(f => { const fd = openSync(f, 'r'); const { size } = fstatSync(fd); const b = Buffer.allocUnsafe(size + 1); const n = readSync(fd, b, 0, size + 1, null); closeSync(fd); return new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(0, n)); }); console.log('read', (cpu() - t).toFixed(0));
const re = /(?:^|[\s[\]{},])[&*][^\s[\]{},]/m;
for (let r = 0; r < 3; r++) {
t = cpu(); for (const x of texts) re.test(x); console.log('anchor-re', (cpu() - t).toFixed(0));
t = cpu(); for (let i = 0; i < texts.length; i++) files[i].endsWith('.json') ? JSON.parse(texts[i]) : jsyaml.load(texts[i], { schema: jsyaml.CORE_SCHEMA, json: false }); console.log('parse', (cpu() - t).toFixed(0));
t = cpu(); for (let i = 0; i < texts.length; i++) { try { JSON.parse(texts[i]); } catch {} } console.log('JSON.parse all', (cpu() - t).toFixed(0));
}
