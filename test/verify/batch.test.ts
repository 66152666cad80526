import { appendFileSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/core/result.js';
import { makeTempDir, runCli } from '../helpers/cli.js';
import { TIME, writeEvidence } from '../packet/fixtures.js';
import { makeEd25519 } from '../signing/keys.js';

/**
 * `packet verify PACKET...` and a folder of packets: one report per packet, a summary, JSON as a
 * list, and the exit code of the worst verdict (a failure before incomplete before intact or
 * verified). Without a policy the batch needs --integrity-only and reads INTACT, never PASS.
 */

const temp = makeTempDir('packet-verify-batch-');
const cwd = temp.path;
afterAll(() => temp.cleanup());

beforeAll(async () => {
  writeEvidence(cwd);
  mkdirSync(join(cwd, 'good'));
  for (const out of ['good/a.packet.tar', 'good/b.packet.tar', 'good/unpacked/']) {
    expect((await runCli(['build', '--out', out, '--time', TIME, '--quiet', 'evidence'], { cwd })).code).toBe(0);
  }
  writeFileSync(join(cwd, 'good', 'notes.txt'), 'not a packet: ignored\n');
  mkdirSync(join(cwd, 'mixed'));
  cpSync(join(cwd, 'good', 'a.packet.tar'), join(cwd, 'mixed', 'a.packet.tar'));
  cpSync(join(cwd, 'good', 'unpacked'), join(cwd, 'mixed', 'tampered'), { recursive: true });
  appendFileSync(join(cwd, 'mixed', 'tampered', 'payload/evidence/notes.txt'), 'edited later\n');
  const key = await makeEd25519('Alice');
  writeFileSync(
    join(cwd, 'policy.yaml'),
    `apiVersion: evidence-packet/v1\nkind: TrustPolicy\nsigners:\n  - id: alice\n    name: Alice\n    roles: [operator]\n    fingerprints: ["${key.fingerprint}"]\nrequire:\n  signatures: 1\n  timestamps: false\n`,
  );
}, 60_000);

describe('packet verify with several packets', () => {
  it('a folder of packets: every *.tar and unpacked packet inside, one report each, a summary, exit 0', async () => {
    const run = await runCli(['verify', '--quiet', '--integrity-only', 'good'], { cwd });
    const heads = run.stdout.split('\n').filter((l) => l.startsWith('packet verify '));
    expect(heads).toEqual([
      `packet verify ${join(cwd, 'good', 'a.packet.tar')}: INTACT (integrity only: signatures and approvals not checked) (0 failed, 0 warnings, 4 passed)`,
      `packet verify ${join(cwd, 'good', 'b.packet.tar')}: INTACT (integrity only: signatures and approvals not checked) (0 failed, 0 warnings, 4 passed)`,
      `packet verify ${join(cwd, 'good', 'unpacked')}: INTACT (integrity only: signatures and approvals not checked) (0 failed, 0 warnings, 4 passed)`,
    ]);
    expect(run.stdout.endsWith('\npacket verify: 3 packets: 3 intact, 0 failed, 0 incomplete: INTACT (integrity only: signatures and approvals not checked)\n')).toBe(true);
    expect(run.stdout).not.toContain('PASS');
    expect(run.code).toBe(0);
  });

  it('names the failed packet in the summary and exits 1 when one fails', async () => {
    const run = await runCli(['verify', '--quiet', '--integrity-only', 'mixed'], { cwd });
    expect(run.stdout).toContain('packet verify: 2 packets: 1 intact, 1 failed, 0 incomplete: FAIL\n');
    expect(run.stdout).toContain(`  FAIL        ${join(cwd, 'mixed', 'tampered')}\n`);
    expect(run.stdout).toContain('[FILE_MODIFIED]');
    expect(run.code).toBe(1);
  });

  it('JSON is one envelope whose facts.reports holds each packet\'s envelope, in the order given', async () => {
    const run = await runCli(['verify', '--quiet', '--integrity-only', '--format', 'json', '--now', TIME, 'mixed/tampered', 'good/a.packet.tar', 'mixed'], { cwd });
    const envelope = JSON.parse(run.stdout) as { format: string; subject: string; verdict: string; evaluatedAt: string; facts: { reports: (Report & { facts: { path: string } })[]; totals: Record<string, number> } };
    expect(envelope).toMatchObject({ format: 'evidence-packet/output/v1', command: 'verify', subject: 'mixed/tampered good/a.packet.tar mixed', verdict: 'fail', evaluatedAt: TIME });
    const reports = envelope.facts.reports;
    // Each packet as the user named it (a folder's packets under the folder's name), and its absolute path.
    expect(reports.map((r) => [r.subject, r.facts.path, r.verdict])).toEqual([
      ['mixed/tampered', join(cwd, 'mixed', 'tampered'), 'fail'],
      ['good/a.packet.tar', join(cwd, 'good', 'a.packet.tar'), 'intact'],
      ['mixed/a.packet.tar', join(cwd, 'mixed', 'a.packet.tar'), 'intact'],
      ['mixed/tampered', join(cwd, 'mixed', 'tampered'), 'fail'],
    ]);
    expect(reports.every((r) => r.evaluatedAt === TIME)).toBe(true);
    expect(envelope.facts.totals).toEqual({ packets: 4, verified: 0, intact: 2, incomplete: 0, failed: 2 });
    expect(run.code).toBe(1);
  });

  it('the worst verdict decides the exit code: incomplete (4) over verified, failed (1) over incomplete', async () => {
    // Unsigned packets under a policy that wants a signature are incomplete.
    const incomplete = await runCli(['verify', '--quiet', '--policy', 'policy.yaml', 'good'], { cwd });
    expect(incomplete.stdout).toContain('packet verify: 3 packets: 0 verified, 0 failed, 3 incomplete: INCOMPLETE\n');
    expect(incomplete.code).toBe(4);
    const failed = await runCli(['verify', '--quiet', '--policy', 'policy.yaml', 'good/a.packet.tar', 'mixed/tampered'], { cwd });
    expect(failed.stdout).toContain('packet verify: 2 packets: 0 verified, 1 failed, 1 incomplete: FAIL\n');
    expect(failed.code).toBe(1);
  });

  it('a missing packet among others is a failed packet, not the end of the batch', async () => {
    const run = await runCli(['verify', '--quiet', '--integrity-only', 'no-such.packet.tar', 'good/a.packet.tar'], { cwd });
    expect(run.stdout).toContain('[PACKET_NOT_FOUND]');
    expect(run.stdout).toContain('packet verify: 2 packets: 1 intact, 1 failed, 0 incomplete: FAIL\n');
    expect(run.code).toBe(1);
  });

  it('auditor reports take one packet (usage error, exit 2)', async () => {
    expect((await runCli(['verify', '--integrity-only', '--report', 'r.md', 'good'], { cwd })).code).toBe(2);
    expect((await runCli(['verify', '--integrity-only', '--format', 'html', 'good/a.packet.tar', 'good/b.packet.tar'], { cwd })).code).toBe(2);
    expect((await runCli(['verify'], { cwd })).code).toBe(2);
  });

  it('without --policy or --integrity-only a batch is a usage error (exit 2) that names both', async () => {
    const run = await runCli(['verify', '--quiet', 'good'], { cwd });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^packet: .*--policy FILE[\s\S]*hint: .*--integrity-only/);
  });

  it('a folder with one packet: the summary says "1 packet"', async () => {
    mkdirSync(join(cwd, 'single'));
    cpSync(join(cwd, 'good', 'a.packet.tar'), join(cwd, 'single', 'a.packet.tar'));
    const run = await runCli(['verify', '--quiet', '--integrity-only', 'single'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('\npacket verify: 1 packet: 1 intact, 0 failed, 0 incomplete: INTACT');
  });
});
