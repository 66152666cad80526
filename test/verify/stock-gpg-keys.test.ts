/**
 * VERIFY.md's gpg step, run as written with the real gpg 2.2, gives the same verdict per
 * signature as `packet verify` on the key life cycles of issue 12: a good key, a key renewed
 * after it signed, a key revoked as compromised after it signed, and a key that had expired
 * when its signature was time-stamped. gpg prints VALIDSIG for the last two as well (with
 * REVKEYSIG / EXPKEYSIG); the step must call them BAD. Keys and signatures are made by gpg at
 * fixed times (`--faked-system-time`); the TSA's clock is injected.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Report } from '../../src/core/result.js';
import { attachSignature, timestampPacket } from '../../src/ceremony/index.js';
import { buildPacket } from '../../src/packet/index.js';
import { startLocalTsa, type LocalTsa } from '../../src/timestamp/index.js';
import { loadTrustPolicy } from '../../src/trust/index.js';
import { verifyPacket } from '../../src/verify/index.js';
import { makeGpgHome, type GpgHome } from '../signing/gpg.js';
import { DAY, epoch, exportKey, gpgAt, renew, revoke, tokenLayoutKey } from '../signing/lifecycle.js';

const BORN = epoch('2025-01-01T00:00:00Z');
const SIGNED = epoch('2025-02-28T12:00:00Z');
const STAMPED = new Date('2025-03-01T00:00:00Z');
const STAMPED_LATE = new Date('2025-03-10T00:00:00Z'); // after the expiring key's end (day 59)
const AUDITED = new Date('2025-04-01T00:00:00Z');

type Who = 'good' | 'renewed' | 'revoked' | 'expired';
const WHO: Who[] = ['good', 'renewed', 'revoked', 'expired'];

let dir: string;
let signers: GpgHome;
let tsa: LocalTsa;
let tsaNow = STAMPED;
let packet: string;
const fpr = {} as Record<Who, string>;
let report: Report;
let stock: Map<string, 'GOOD' | 'BAD'>;
let auditorHome: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'packet-stock-gpg-'));
  signers = makeGpgHome();
  tsa = await startLocalTsa({ now: () => tsaNow });
  fpr.good = tokenLayoutKey(signers, 'Good <good@example.org>', BORN, 'ed25519', 'never');
  fpr.renewed = tokenLayoutKey(signers, 'Renewed <renewed@example.org>', BORN, 'ed25519', '1y');
  fpr.revoked = tokenLayoutKey(signers, 'Revoked <revoked@example.org>', BORN, 'ed25519', 'never');
  fpr.expired = tokenLayoutKey(signers, 'Expired <expired@example.org>', BORN, 'ed25519', '59d');

  const evidence = join(dir, 'evidence');
  mkdirSync(evidence);
  writeFileSync(join(evidence, 'apply.log'), 'applied 3 changes\nok\n');
  packet = join(dir, 'op.packet.tar');
  await buildPacket({ inputs: [evidence], out: packet, created: new Date((SIGNED - DAY) * 1000), cwd: dir, name: 'op' });
  const manifest = spawnSync('tar', ['-xOf', packet, 'manifest.sha256']).stdout;
  writeFileSync(join(dir, 'manifest.sha256'), manifest);

  // Each signer signs at SIGNED with the key as it was then; the packet gets that copy.
  for (const who of WHO) {
    const signature = gpgAt(signers, SIGNED, ['--armor', '--detach-sign', '--local-user', fpr[who], '--output', '-', join(dir, 'manifest.sha256')]);
    writeFileSync(join(dir, `${who}.sig.asc`), signature);
    writeFileSync(join(dir, `${who}.then.asc`), exportKey(signers, fpr[who]));
    if (who === 'expired') continue; // stamped later, below
    await attachSignature(packet, join(dir, `${who}.sig.asc`), { now: new Date((SIGNED + 3600) * 1000), keyFiles: [join(dir, `${who}.then.asc`)] });
  }
  await timestampPacket(packet, { url: tsa.url, timeoutMs: 10_000 });
  await attachSignature(packet, join(dir, 'expired.sig.asc'), { now: new Date((SIGNED + 3600) * 1000), keyFiles: [join(dir, 'expired.then.asc')] });
  tsaNow = STAMPED_LATE;
  await timestampPacket(packet, { url: tsa.url, timeoutMs: 10_000 });

  // Later life: a renewal (to no expiry, so the real clock cannot age this test), a compromise.
  renew(signers, fpr.renewed, SIGNED + 20 * DAY, 'never');
  revoke(signers, fpr.revoked, SIGNED + 5 * DAY, 2);

  // The auditor holds the signers' current keys: in the policy, and imported for gpg.
  const policyLines = ['apiVersion: evidence-packet/v1', 'kind: TrustPolicy', 'signers:'];
  auditorHome = join(dir, 'auditor-gnupg');
  mkdirSync(auditorHome, { mode: 0o700 });
  for (const who of WHO) {
    writeFileSync(join(dir, `${who}.now.asc`), exportKey(signers, fpr[who]));
    policyLines.push(`  - id: ${who}`, `    name: ${who}`, '    roles: [operator]', `    fingerprints: ["${fpr[who]}"]`, `    key: ${who}.now.asc`);
    const imported = spawnSync('gpg', ['--batch', '--import', join(dir, `${who}.now.asc`)], { env: { GNUPGHOME: auditorHome, PATH: process.env.PATH }, encoding: 'utf8' });
    expect(imported.status, imported.stderr).toBe(0);
  }
  writeFileSync(join(dir, 'tsa-root.pem'), tsa.rootPem);
  policyLines.push('require:', '  signatures: 1', '  timestamps: true', 'tsa:', '  - name: Local TSA', '    roots: [tsa-root.pem]', '');
  writeFileSync(join(dir, 'policy.yaml'), policyLines.join('\n'));

  report = (await verifyPacket(packet, { now: AUDITED, policy: await loadTrustPolicy(join(dir, 'policy.yaml')) })).report;
  stock = runVerifyMdGpgStep();
}, 180_000);

afterAll(async () => {
  await tsa?.close();
  signers?.cleanup();
  spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env: { GNUPGHOME: auditorHome, PATH: process.env.PATH } });
  rmSync(dir, { recursive: true, force: true });
});

/** Unpack with tar, take the gpg line of VERIFY.md exactly as written, run it in bash. */
function runVerifyMdGpgStep(): Map<string, 'GOOD' | 'BAD'> {
  const unpacked = join(dir, 'packet');
  mkdirSync(unpacked);
  expect(spawnSync('tar', ['-xf', packet, '-C', unpacked]).status).toBe(0);
  const lines = readFileSync(join(unpacked, 'VERIFY.md'), 'utf8').split('\n');
  const step = lines.filter((line) => line.startsWith('    ') && line.includes('gpg ') && line.includes('--verify'));
  expect(step).toHaveLength(1);
  const run = spawnSync('bash', ['-c', (step[0] as string).slice(4)], {
    cwd: unpacked,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, GNUPGHOME: auditorHome, LC_ALL: 'C' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const verdicts = new Map<string, 'GOOD' | 'BAD'>();
  for (const match of run.stdout.matchAll(/^(GOOD|BAD): signatures\/([0-9A-F]{40})\.asc$/gm)) verdicts.set(match[2] as string, match[1] as 'GOOD' | 'BAD');
  return verdicts;
}

function toolVerdict(who: Who): { verdict: 'GOOD' | 'BAD'; code: string } {
  const check = report.checks.find((c) => c.id === 'signature' && c.subject === `signatures/${fpr[who]}.asc`);
  return { verdict: check?.status === 'pass' ? 'GOOD' : 'BAD', code: check?.code ?? 'NONE' };
}

describe("VERIFY.md's gpg step agrees with packet verify", () => {
  test('every signature gets a stock verdict', () => {
    expect([...stock.keys()].sort()).toEqual(WHO.map((who) => fpr[who]).sort());
  });

  const expected: Record<Who, { verdict: 'GOOD' | 'BAD'; codes: string[] }> = {
    good: { verdict: 'GOOD', codes: ['OK'] },
    renewed: { verdict: 'GOOD', codes: ['OK'] },
    revoked: { verdict: 'BAD', codes: ['KEY_REVOKED'] },
    expired: { verdict: 'BAD', codes: ['KEY_EXPIRED', 'SUBKEY_EXPIRED'] },
  };
  test.each(WHO)('%s key: same verdict from both routes', (who) => {
    const tool = toolVerdict(who);
    expect(expected[who].codes).toContain(tool.code);
    expect(tool.verdict).toBe(expected[who].verdict);
    expect(stock.get(fpr[who])).toBe(tool.verdict);
  });

  test('gpg itself prints VALIDSIG for the revoked and the expired key: the status words decide', () => {
    for (const who of ['revoked', 'expired'] as const) {
      const run = spawnSync('gpg', ['--batch', '--status-fd', '1', '--verify', join(dir, 'packet', 'signatures', `${fpr[who]}.asc`), join(dir, 'packet', 'manifest.sha256')], {
        env: { GNUPGHOME: auditorHome, PATH: process.env.PATH, LC_ALL: 'C' },
        encoding: 'utf8',
      });
      expect(run.stdout).toMatch(/^\[GNUPG:\] VALIDSIG /m);
      expect(run.stdout).toMatch(who === 'revoked' ? /^\[GNUPG:\] REVKEYSIG /m : /^\[GNUPG:\] EXPKEYSIG /m);
    }
  });
});
