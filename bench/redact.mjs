// Throughput of redactText and the streaming redactor on realistic log text with few secrets.
// Run after `npm run build`: node bench/redact.mjs [MiB]
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createTextRedactor, defaultRuleSet, redactText } from '../dist/redact/index.js';

const mib = Number(process.argv[2] ?? 64);
const lines = [
  '2026-11-23T18:06:43.123Z INFO  api request completed method=GET path=/v1/tenants/acme/bindings status=200 duration_ms=12',
  '2026-11-23T18:06:43.456Z DEBUG db  query ok rows=42 digest=sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  '2026-11-23T18:06:44.001Z INFO  deploy commit 3b18e512dba79e4c8300dd08aeb37f8e728b8dad applied to cluster prod-eu-1 (request 123e4567-e89b-12d3-a456-426614174000)',
  '  resources: {cpu: 500m, memory: 512Mi}  # plan output line for the capacity check of the binding',
  '2026-11-23T18:06:45.789Z WARN  queue lag above soft limit consumer=orders lag=1500 limit=1000',
];
const secrets = ['DB_PASSWORD=hunter2hunter2', 'Authorization: Bearer abcdef0123456789abcdef', 'aws key AKIAZ7Q3VX4LM2NB6P5W rotated'];
const parts = [];
let size = 0;
for (let i = 0; size < mib * 2 ** 20; i += 1) {
  const line = i % 5000 === 4999 ? secrets[(i / 5000) % secrets.length | 0] : lines[i % lines.length];
  parts.push(line);
  size += line.length + 1;
}
const text = `${parts.join('\n')}\n`;
const bytes = Buffer.from(text, 'utf8');
const rules = defaultRuleSet();
const MB = bytes.length / 1e6;

function time(fn) {
  const start = process.hrtime.bigint();
  const result = fn();
  return [Number(process.hrtime.bigint() - start) / 1e9, result];
}

redactText(text.slice(0, 1 << 20), rules); // warm up
const [seconds, result] = time(() => redactText(text, rules));
const count = result.records.reduce((n, r) => n + r.count, 0);
console.log(`redactText: ${MB.toFixed(1)} MB in ${seconds.toFixed(3)} s = ${(MB / seconds).toFixed(0)} MB/s (${count} redactions)`);

const chunk = 1 << 20;
const source = () => Readable.from((function* () { for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk); })());
let outBytes = 0;
const sink = new Writable({ write(c, _e, cb) { outBytes += c.length; cb(); } });
const redactor = createTextRedactor(rules);
const start = process.hrtime.bigint();
await pipeline(source(), redactor, sink);
const streamSeconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(`stream:     ${MB.toFixed(1)} MB in ${streamSeconds.toFixed(3)} s = ${(MB / streamSeconds).toFixed(0)} MB/s (1 MiB chunks, out ${outBytes} bytes, identical: ${outBytes === Buffer.byteLength(result.text)})`);
console.log(`peak RSS:   ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB (includes the ${mib} MiB input held for redactText)`);
