#!/usr/bin/env node
// Run the property tests of test/hardening/fuzz.test.ts again and again with random seeds and a
// larger scale until --seconds have passed; print the seed of any failure so it can be replayed
// with: FUZZ_SEED=<seed> FUZZ_SCALE=<scale> npx vitest run test/hardening/fuzz.test.ts
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at === -1 ? fallback : Number(args[at + 1]);
};
const seconds = option('--seconds', 60);
const scale = option('--scale', 4);
if (!Number.isFinite(seconds) || seconds <= 0 || !Number.isFinite(scale) || scale <= 0) {
  console.error('usage: node scripts/fuzz.mjs [--seconds N] [--scale K]');
  process.exit(2);
}
const deadline = Date.now() + seconds * 1000;
let rounds = 0;
const failures = [];
while (Date.now() < deadline) {
  const seed = randomInt(1, 2 ** 31 - 1);
  rounds += 1;
  const run = spawnSync('npx', ['vitest', 'run', 'test/hardening/fuzz.test.ts'], {
    env: { ...process.env, FUZZ_SEED: String(seed), FUZZ_SCALE: String(scale) },
    encoding: 'utf8',
  });
  if (run.status !== 0) {
    failures.push(seed);
    console.log(`fuzz: FAILURE with seed ${seed} (replay: FUZZ_SEED=${seed} FUZZ_SCALE=${scale} npx vitest run test/hardening/fuzz.test.ts)`);
    console.log(run.stdout.split('\n').filter((l) => /Counterexample|Property failed|AssertionError|×/.test(l)).join('\n'));
  } else {
    console.log(`fuzz: round ${rounds} seed ${seed} passed`);
  }
}
console.log(`fuzz: ${rounds} rounds at scale ${scale}, ${failures.length} failing seeds${failures.length ? `: ${failures.join(', ')}` : ''}`);
process.exit(failures.length === 0 ? 0 : 1);
