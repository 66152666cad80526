// Throughput of redactText and the streaming redactor on realistic log text with few secrets.
// Run after `npm run build`: node bench/redact.mjs [MiB] [dist directory, to compare builds]
// CPU time (user + system of this process) is the figure to compare on a shared machine; wall
// time is printed too but is noisy there. Each figure is the fastest of three runs in this
// process (contention and V8 still optimizing only ever slow a run down): the figures of code V8
// has optimized, as in a build that redacts more than one file. The first MiB a process scans
// runs up to three times slower, for both builds alike.
import { resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';

const mib = Number(process.argv[2] ?? 64);
const dist = process.argv[3] ?? new URL('../dist', import.meta.url).pathname;
const { createTextRedactor, defaultRuleSet, redactText } = await import(pathToFileURL(resolve(dist, 'redact/index.js')).href);
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

async function time(fn, runs = 3) {
  let best;
  for (let i = 0; i < runs; i += 1) {
    const wall = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const result = await fn();
    const used = process.cpuUsage(cpu);
    const run = { wall: Number(process.hrtime.bigint() - wall) / 1e9, cpu: (used.user + used.system) / 1e6, result };
    if (best === undefined || run.cpu < best.cpu) best = run;
  }
  return best;
}

function figures({ wall, cpu }) {
  return `CPU ${cpu.toFixed(3)} s = ${(MB / cpu).toFixed(0)} MB/s (wall ${wall.toFixed(3)} s = ${(MB / wall).toFixed(0)} MB/s)`;
}

const { scanForSecrets } = await import(pathToFileURL(resolve(dist, 'redact/index.js')).href);
const whole = await time(() => redactText(text, rules));
const result = whole.result;
const count = result.records.reduce((n, r) => n + r.count, 0);
console.log(`redactText: ${MB.toFixed(1)} MB, ${figures(whole)}, ${count} redactions`);

// The same lines without the secrets: nothing to redact, so the input string comes back as is.
const cleanText = text.replace(/^(?:DB_PASSWORD|Authorization|aws key).*\n/gm, '');
const clean = await time(() => redactText(cleanText, rules));
console.log(`redactText: no secrets, ${figures(clean)}, ${clean.result.records.length} rules hit, output is the input: ${clean.result.text === cleanText}`);

const chunk = 1 << 20;
const source = () => Readable.from((function* () { for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk); })());
let outBytes = 0;
const sink = () => new Writable({ write(c, _e, cb) { outBytes += c.length; cb(); } });
const streamed = await time(() => {
  outBytes = 0;
  return pipeline(source(), createTextRedactor(rules), sink());
});
console.log(`stream:     ${MB.toFixed(1)} MB, ${figures(streamed)}, 1 MiB chunks, out ${outBytes} bytes, same size: ${outBytes === Buffer.byteLength(result.text)}`);
const scanned = await time(() => scanForSecrets(result.text, rules));
console.log(`final scan: ${MB.toFixed(1)} MB, ${figures(scanned)}, ${scanned.result.length} findings`);
// What a build does with a text file it holds in memory: redact, then scan the output.
const built = await time(() => scanForSecrets(redactText(text, rules).text, rules));
console.log(`redact + final scan: ${MB.toFixed(1)} MB, ${figures(built)}, ${built.result.length} findings`);
console.log(`peak RSS:   ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB (includes the ${mib} MiB input held for redactText)`);
