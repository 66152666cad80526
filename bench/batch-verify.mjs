// Benchmark: verify many packets. N small packets (default 1,000), each signed with an OpenPGP key
// file and time-stamped by a local TSA, then `packet verify --policy P FOLDER` (one run, every
// packet) against the stock-tool loop of VERIFY.md (tar, sha256sum, find/diff, gpg, openssl ts)
// over the same packets, in the same run. Usage: node bench/batch-verify.mjs [N] (after npm run
// build). Prints a Markdown table.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { BIN, fmt, measure, ratio, ROOT } from './lib/measure.mjs';

const N = Number(process.argv[2] ?? '1000');
const dist = (path) => import(join(ROOT, 'dist', path));
const { buildPacket } = await dist('packet/index.js');
const { signPacket } = await dist('ceremony/sign.js');
const { timestampPacket } = await dist('ceremony/timestamp.js');
const { startLocalTsa } = await dist('timestamp/index.js');

const work = mkdtempSync(join(tmpdir(), 'bench-batch-'));
try {
  const now = new Date();
  const key = await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name: 'Bench Signer', email: 'bench@example.org' }], date: new Date(now.getTime() - 3600_000), format: 'object', config: { v6Keys: false } });
  const fingerprint = key.privateKey.getFingerprint().toUpperCase();
  const keyFile = join(work, 'signer.key.asc');
  writeFileSync(keyFile, key.privateKey.armor());
  writeFileSync(join(work, 'signer.pub.asc'), key.publicKey.armor());
  const tsa = await startLocalTsa();
  writeFileSync(join(work, 'tsa-root.pem'), tsa.rootPem);
  writeFileSync(
    join(work, 'policy.yaml'),
    `apiVersion: evidence-packet/v1\nkind: TrustPolicy\nsigners:\n  - id: bench\n    name: Bench Signer\n    roles: [operator]\n    fingerprints: ["${fingerprint}"]\nrequire:\n  signatures: 1\n  timestamps: true\ntsa:\n  - name: local\n    roots: [tsa-root.pem]\n`,
  );
  const packets = join(work, 'packets');
  const inputs = join(work, 'inputs');
  mkdirSync(packets);
  mkdirSync(inputs);
  try {
    for (let i = 0; i < N; i += 1) {
      const input = join(inputs, `change-${i}`);
      mkdirSync(input);
      writeFileSync(join(input, 'run.log'), `change CHG-${i}: applied revision ${(i * 7919).toString(16)}\nall checks green\n`);
      writeFileSync(join(input, 'plan.json'), JSON.stringify({ change: `CHG-${i}`, replicas: i % 5 }));
      const packet = join(packets, `change-${String(i).padStart(4, '0')}.packet.tar`);
      await buildPacket({ inputs: [input], out: packet, created: now, cwd: work, workers: false });
      await signPacket(packet, { kind: 'key-file', keyFile, passphrase: '' }, now);
      await timestampPacket(packet, { url: tsa.url, timeoutMs: 10_000 });
    }
  } finally {
    await tsa.close();
  }
  const gnupgHome = join(work, 'gnupg');
  mkdirSync(gnupgHome, { mode: 0o700 });
  spawnSync('gpg', ['--batch', '--quiet', '--import', join(work, 'signer.pub.asc')], { env: { ...process.env, GNUPGHOME: gnupgHome } });

  // VERIFY.md steps 1-4 as written, for every packet; a packet is BAD if any step says so.
  const stock = `
set -u
cd '${work}'
bad=0
for p in packets/*.packet.tar; do
  rm -rf packet && mkdir packet && tar -xf "$p" -C packet && cd packet || { bad=$((bad+1)); continue; }
  ok=1
  sha256sum --strict -c manifest.sha256 >/dev/null 2>&1 || ok=0
  find . -type f ! -path './signatures/*' ! -path './timestamps/*' ! -path './keys/*' ! -name manifest.sha256 | sed 's|^\\./||' | LC_ALL=C sort > ../found.txt
  cut -c67- manifest.sha256 | LC_ALL=C sort | diff - ../found.txt >/dev/null && rm ../found.txt || ok=0
  for sig in signatures/*.asc; do fpr=$(basename "$sig" .asc); gpg --status-fd 1 --verify "$sig" manifest.sha256 2>/dev/null | grep -q "^\\[GNUPG:\\] VALIDSIG .* $fpr\\$" || ok=0; done
  for tsr in timestamps/*.tsr; do fpr=$(basename "$tsr" .tsr); openssl ts -verify -data "signatures/$fpr.asc" -in "$tsr" -CAfile ../tsa-root.pem >/dev/null 2>&1 || ok=0; done
  cd .. && rm -rf packet
  [ $ok = 1 ] || bad=$((bad+1))
done
echo "$bad bad"
[ $bad = 0 ]
`;
  writeFileSync(join(work, 'stock.sh'), stock);
  const env = { GNUPGHOME: gnupgHome };
  const tool = measure('packet verify (one run, all packets)', [BIN, 'verify', '--quiet', '--policy', join(work, 'policy.yaml'), packets], { node: true, runs: 1 });
  const loop = measure('VERIFY.md stock-tool loop', ['env', `GNUPGHOME=${env.GNUPGHOME}`, 'bash', join(work, 'stock.sh')], { runs: 1 });
  console.log(`| measure (${N} signed, time-stamped packets) | time | compared with | ratio | peak RSS |`);
  console.log('|---|---|---|---|---|');
  console.log(`| packet verify --policy FOLDER | ${fmt(tool.seconds)} | VERIFY.md stock-tool loop ${fmt(loop.seconds)} | ${ratio(loop.seconds, tool.seconds)} faster | ${tool.rssMiB} MiB |`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
