// The final scan of a clean small log file, two ways in the same process, alternately: as a build
// did it before (decode the file's bytes to a string, then scanForSecrets: the rules' line engine
// and the leak gate) and as it does now for ASCII (scanClearsAscii: both prefilters on the bytes
// as read). Per round, every text once each way; the figure is the fastest round (contention
// only ever slows a round down), in ns per byte, and the ratio.
// Usage (after `npm run build`): node bench/scan-bytes.mjs [--files N] [--rounds N]
const { defaultRuleSet, scanClearsAscii, scanForSecrets } = await import(new URL('../dist/redact/index.js', import.meta.url).href);

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const files = arg('--files', 500);
const rounds = arg('--rounds', 60);

// The same lines as the 50,000-file tree of bench/scale.mjs (about 4 KB a file), a digit apart.
const line = 'step applied: config revision 4f2a9c1 on host db-07, checks green, duration 412 ms\n';
const texts = Array.from({ length: files }, (_, i) => Buffer.from(`${line.repeat(48).slice(0, -1)}${i % 10}`, 'latin1'));
const bytes = texts.reduce((sum, t) => sum + t.length, 0);
const rules = defaultRuleSet();

const ways = {
  'decode, then scanForSecrets': (b) => scanForSecrets(b.toString('latin1'), rules).length === 0,
  'scanClearsAscii on the bytes': (b) => scanClearsAscii(b, rules),
};
const best = Object.fromEntries(Object.keys(ways).map((name) => [name, Infinity]));
for (let round = 0; round < rounds; round += 1) {
  for (const [name, clean] of Object.entries(ways)) {
    const start = process.hrtime.bigint();
    for (const text of texts) if (!clean(text)) throw new Error(`${name}: the bench text is not clean`);
    best[name] = Math.min(best[name], Number(process.hrtime.bigint() - start) / bytes);
  }
}
console.log(`| way (${files} clean log texts of ${texts[0].length} bytes, fastest of ${rounds} rounds) | ns per byte |`);
console.log('|---|---|');
for (const [name, ns] of Object.entries(best)) console.log(`| ${name} | ${ns.toFixed(2)} |`);
const [before, after] = Object.values(best);
console.log(`\nscanClearsAscii: ${(before / after).toFixed(2)}x the speed of decoding and scanning`);
