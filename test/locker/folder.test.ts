/**
 * The whole locker life cycle on the folder backend, through the CLI, plus every fault the issue
 * names that a folder can show: tampered packets refused, wrong bytes on pull, a missing object,
 * ledger entries deleted or replaced, an interrupted push resumed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { folderLockerConfig } from '../../src/locker/config.js';
import { FolderBackend } from '../../src/locker/folder.js';
import { pushPacket } from '../../src/locker/push.js';
import { ledgerKey, packetKey } from '../../src/locker/layout.js';
import { startLocalTsa } from '../../src/timestamp/index.js';
import { makeTempDir, runCli } from '../helpers/cli.js';
import { makePacket, NOW, touchOnFirstProgress, type MadePacket } from './helpers.js';

const temp = makeTempDir('locker-folder-');
let acme: MadePacket;
let acmeOld: MadePacket;
let globex: MadePacket;

beforeAll(async () => {
  acme = await makePacket(temp.path, 'CHG-1', { tenant: 'acme', environment: 'prod', operation: 'CHG-1', created: '2026-03-01T10:00:00Z' });
  acmeOld = await makePacket(temp.path, 'CHG-0', { tenant: 'acme', environment: 'dev', operation: 'CHG-0', created: '2025-12-01T10:00:00Z' });
  globex = await makePacket(temp.path, 'CHG-2', { tenant: 'globex', environment: 'prod', operation: 'CHG-2', created: '2026-03-02T10:00:00Z' });
});
afterAll(() => temp.cleanup());

const at = ['--now', NOW.toISOString()];
const cli = (args: string[]) => runCli([...args, ...at], { cwd: temp.path });

/** A fresh folder locker holding the three packets. */
async function filledLocker(name: string): Promise<string> {
  const dir = join(temp.path, name);
  for (const packet of [acme, acmeOld, globex]) {
    const run = await cli(['locker', 'push', packet.file, '--folder', dir]);
    expect(run.code, run.stderr).toBe(0);
  }
  return dir;
}

/** Every file under the locker folder (an upload abandoned mid-way may leave empty folders only). */
function storedFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => !entry.isDirectory()).map((entry) => join(entry.parentPath, entry.name));
}

function json(text: string): Record<string, unknown> {
  return JSON.parse(text) as Record<string, unknown>;
}

/** The command-specific results of a --format json envelope. */
function facts(text: string): Record<string, unknown> {
  const envelope = json(text);
  expect(envelope.format).toBe('evidence-packet/output/v1');
  return envelope.facts as Record<string, unknown>;
}

describe('folder locker life cycle', () => {
  it('pushes, lists by tenant and date, holds, releases, extends retention, pulls and verifies', async () => {
    const dir = join(temp.path, 'life');
    const pushed = await cli(['locker', 'push', acme.file, '--folder', dir, '--format', 'json']);
    expect(pushed.code, pushed.stderr).toBe(0);
    const push = facts(pushed.stdout);
    expect(push.digest).toBe(acme.digest);
    expect(push.ledgerSeq).toBe(1);
    expect(push.worm).toBe(false);
    expect(existsSync(join(dir, packetKey(acme.digest)))).toBe(true);
    // Pushing the same bytes again changes nothing.
    const again = await cli(['locker', 'push', acme.file, '--folder', dir, '--format', 'json']);
    expect(facts(again.stdout).state).toBe('already in the locker');
    await cli(['locker', 'push', acmeOld.file, '--folder', dir]);
    await cli(['locker', 'push', globex.file, '--folder', dir]);

    const listed = facts((await cli(['locker', 'list', '--folder', dir, '--tenant', 'acme', '--since', '2026-01-01', '--format', 'json'])).stdout);
    const entries = listed.entries as { digest: string; tenant: string; environment: string; operation: string; object: { sha256: string } }[];
    expect(entries.map((e) => e.digest)).toEqual([acme.digest]);
    expect(entries[0]).toMatchObject({ tenant: 'acme', environment: 'prod', operation: 'CHG-1' });
    const all = facts((await cli(['locker', 'list', '--folder', dir, '--format', 'json'])).stdout).entries as unknown[];
    expect(all).toHaveLength(3);
    const prod = facts((await cli(['locker', 'list', '--folder', dir, '--environment', 'prod', '--format', 'json'])).stdout).entries as unknown[];
    expect(prod).toHaveLength(2);

    const hold = await cli(['locker', 'hold', `sha256:${acme.digest}`, '--folder', dir, '--format', 'json']);
    expect(hold.code, hold.stderr).toBe(0);
    expect(facts(hold.stdout).lock).toMatchObject({ legalHold: true });
    const release = await cli(['locker', 'release', acme.digest, '--folder', dir, '--format', 'json']);
    expect(facts(release.stdout).lock).toMatchObject({ legalHold: false });
    const extend = await cli(['locker', 'retention', acme.digest, '--until', '2027-06-01', '--folder', dir, '--format', 'json']);
    expect(extend.code, extend.stderr).toBe(0);
    expect(facts(extend.stdout).lock).toMatchObject({ retainUntil: '2027-06-01T00:00:00Z' });
    const shorten = await cli(['locker', 'retention', acme.digest, '--until', '2027-01-01', '--folder', dir]);
    expect(shorten.code).toBe(1);
    expect(shorten.stderr).toMatch(/cannot be shortened/);

    const out = join(temp.path, 'pulled.packet.tar');
    const pulled = await cli(['locker', 'pull', acme.digest, '--out', out, '--folder', dir]);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(readFileSync(out).equals(readFileSync(acme.file))).toBe(true);

    const verified = await cli(['locker', 'verify', '--folder', dir, '--format', 'json']);
    expect(verified.code, verified.stdout).toBe(0);
    const report = json(verified.stdout) as { verdict: string; checks: { id: string; code: string; status: string }[]; facts: { ledgerEntries: number } };
    expect(report.verdict).toBe('pass');
    expect(report.facts.ledgerEntries).toBe(6);
    expect(report.checks.find((c) => c.id === 'locker.worm')?.code).toBe('NO_WORM');

    // An offline mirror verifies the same way.
    const mirror = join(temp.path, 'life-mirror');
    expect((await cli(['locker', 'pull', '--all', '--out', mirror, '--folder', dir])).code).toBe(0);
    const mirrored = await cli(['locker', 'verify', '--folder', mirror, '--format', 'json']);
    expect(json(mirrored.stdout).verdict).toBe('pass');
  });

  it('refuses a packet that fails verification and stores nothing', async () => {
    const dir = join(temp.path, 'tampered');
    const bad = join(temp.path, 'bad.packet.tar');
    const bytes = readFileSync(acme.file);
    const at = bytes.indexOf('resize the queue');
    bytes.write('RESIZE', at);
    writeFileSync(bad, bytes);
    const run = await cli(['locker', 'push', bad, '--folder', dir, '--format', 'json']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/not pushed/);
    expect((json(run.stdout) as { checks: { code: string }[] }).checks.some((c) => c.code === 'FILE_MODIFIED')).toBe(true);
    expect(storedFiles(dir)).toEqual([]);
  });

  it('with --policy, refuses a packet that lacks the approvals the policy requires', async () => {
    const policy = join(temp.path, 'policy.yaml');
    writeFileSync(policy, `apiVersion: evidence-packet/v1\nkind: TrustPolicy\nsigners:\n  - id: alice\n    name: Alice\n    roles: [operator]\n    fingerprints: ["${'A'.repeat(40)}"]\nrequire:\n  signatures: 1\n  timestamps: false\n`);
    const dir = join(temp.path, 'policy-locker');
    const run = await cli(['locker', 'push', acme.file, '--folder', dir, '--policy', policy]);
    expect(run.code).toBe(1);
    expect(storedFiles(dir)).toEqual([]);
  });
});

describe('ledger time-stamps', () => {
  it('time-stamps every ledger entry when the locker file names a TSA, and verify checks them against the given root', async () => {
    const tsa = await startLocalTsa();
    const other = await startLocalTsa();
    try {
      const dir = join(temp.path, 'stamped');
      mkdirSync(dir);
      writeFileSync(join(dir, 'tsa-root.pem'), tsa.rootPem);
      writeFileSync(join(dir, 'other-root.pem'), other.rootPem);
      const file = join(dir, 'locker.yaml');
      writeFileSync(file, `apiVersion: evidence-packet/v1\nkind: Locker\nbackend: folder\nfolder: { path: store }\nretention:\n  default: { mode: GOVERNANCE, days: 30 }\nledger:\n  tsa: { url: "${tsa.url}", ca: tsa-root.pem }\n`);
      expect((await cli(['locker', 'push', acme.file, '--locker', file])).code).toBe(0);
      expect((await cli(['locker', 'hold', acme.digest, '--locker', file])).code).toBe(0);
      expect(existsSync(join(dir, 'store', 'ledger', '000000000002.tsr'))).toBe(true);

      const unchecked = json((await cli(['locker', 'verify', '--locker', file, '--format', 'json'])).stdout) as { verdict: string; checks: { code: string }[] };
      expect(unchecked.verdict).toBe('pass');
      expect(unchecked.checks.some((c) => c.code === 'NO_TSA_ROOT')).toBe(true);
      const checked = await cli(['locker', 'verify', '--locker', file, '--tsa-ca', join(dir, 'tsa-root.pem'), '--format', 'json']);
      expect(checked.code, checked.stdout).toBe(0);
      const wrongRoot = json((await cli(['locker', 'verify', '--locker', file, '--tsa-ca', join(dir, 'other-root.pem'), '--format', 'json'])).stdout) as { checks: { code: string }[] };
      expect(wrongRoot.checks.filter((c) => c.code === 'LEDGER_TIMESTAMP_INVALID')).toHaveLength(2);

      // A time-stamp moved to another entry no longer matches its bytes.
      const second = join(dir, 'store', 'ledger', '000000000002.tsr');
      chmodSync(second, 0o644);
      writeFileSync(second, readFileSync(join(dir, 'store', 'ledger', '000000000001.tsr')));
      const moved = json((await cli(['locker', 'verify', '--locker', file, '--tsa-ca', join(dir, 'tsa-root.pem'), '--format', 'json'])).stdout) as { checks: { code: string; data?: { seq: number } }[] };
      expect(moved.checks.find((c) => c.code === 'LEDGER_TIMESTAMP_INVALID')?.data?.seq).toBe(2);
      rmSync(second);
      const missing = json((await cli(['locker', 'verify', '--locker', file, '--tsa-ca', join(dir, 'tsa-root.pem'), '--format', 'json'])).stdout) as { checks: { code: string; data?: { seq: number } }[] };
      expect(missing.checks.find((c) => c.code === 'LEDGER_NOT_TIMESTAMPED')?.data?.seq).toBe(2);
    } finally {
      await tsa.close();
      await other.close();
    }
  });

  it('an unreachable TSA leaves the ledger untouched (exit 3)', async () => {
    const dir = join(temp.path, 'stamp-down');
    mkdirSync(dir);
    const tsa = await startLocalTsa();
    writeFileSync(join(dir, 'tsa-root.pem'), tsa.rootPem);
    const url = tsa.url;
    await tsa.close();
    const file = join(dir, 'locker.yaml');
    writeFileSync(file, `apiVersion: evidence-packet/v1\nkind: Locker\nbackend: folder\nfolder: { path: store }\nretention:\n  default: { mode: GOVERNANCE, days: 30 }\nledger:\n  tsa: { url: "${url}", ca: tsa-root.pem, timeoutSeconds: 5 }\n`);
    const run = await cli(['locker', 'push', acme.file, '--locker', file]);
    expect(run.code, run.stderr).toBe(3);
    expect(existsSync(join(dir, 'store', 'ledger'))).toBe(false);
  });
});

describe('folder locker faults', () => {
  it('pull refuses bytes that do not hash to what was pushed, and writes nothing', async () => {
    const dir = await filledLocker('wrong-bytes');
    const stored = join(dir, packetKey(acme.digest));
    chmodSync(stored, 0o644);
    const bytes = readFileSync(stored);
    bytes[bytes.length - 1] = 1; // inside the tar's zero padding: still a readable packet
    writeFileSync(stored, bytes);
    const out = join(temp.path, 'wrong.packet.tar');
    const run = await cli(['locker', 'pull', acme.digest, '--out', out, '--folder', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/not the ones pushed/);
    expect(existsSync(out)).toBe(false);
    const verified = json((await cli(['locker', 'verify', '--folder', dir, '--format', 'json'])).stdout) as { checks: { code: string; subject?: string }[] };
    expect(verified.checks.find((c) => c.code === 'HASH_MISMATCH')?.subject).toBe(acme.digest);
  });

  it('pull refuses an object longer than recorded, and writes nothing', async () => {
    const dir = await filledLocker('longer');
    const stored = join(dir, packetKey(acme.digest));
    chmodSync(stored, 0o644);
    writeFileSync(stored, Buffer.concat([readFileSync(stored), Buffer.alloc(64 * 1024)]));
    const out = join(temp.path, 'longer.packet.tar');
    const run = await cli(['locker', 'pull', acme.digest, '--out', out, '--folder', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/LOCKER_PULL_DIGEST_MISMATCH|not the ones pushed/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(temp.path).filter((name) => name.startsWith('.longer.packet.tar.'))).toEqual([]);
  });

  it('pull of a stored packet that has no index entry (an interrupted push) is refused while its download runs, and writes nothing', async () => {
    const dir = join(temp.path, 'unindexed');
    const backend = new FolderBackend(dir);
    await backend.open();
    await backend.putFile(packetKey(acme.digest), acme.file);
    const out = join(temp.path, 'unindexed.packet.tar');
    const run = await cli(['locker', 'pull', acme.digest, '--out', out, '--folder', dir, '--format', 'json']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('LOCKER_NOT_FOUND');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(temp.path).filter((name) => name.startsWith('.unindexed.packet.tar.'))).toEqual([]);
  });

  it('pull refuses a packet that fails integrity even when the index entry was rewritten to match its bytes', async () => {
    const dir = await filledLocker('forged');
    const stored = join(dir, packetKey(acme.digest));
    chmodSync(stored, 0o644);
    const bytes = readFileSync(stored);
    bytes.write('RESIZE', bytes.indexOf('resize the queue'));
    writeFileSync(stored, bytes);
    const entryDir = join(dir, 'index', 'acme');
    const entryName = readdirSync(entryDir).find((name) => name.endsWith(`-${acme.digest}.json`)) as string;
    chmodSync(join(entryDir, entryName), 0o644);
    const entry = json(readFileSync(join(entryDir, entryName), 'utf8')) as { object: { sha256: string; size: number } };
    entry.object = { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
    writeFileSync(join(entryDir, entryName), `${JSON.stringify(entry)}\n`);
    const out = join(temp.path, 'forged.packet.tar');
    const run = await cli(['locker', 'pull', acme.digest, '--out', out, '--folder', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/fails its integrity checks/);
    expect(existsSync(out)).toBe(false);
  });

  it('pull checks integrity while the bytes stream in: a large payload changed mid-file, or a changed manifest, is refused and nothing is left', async () => {
    const input = join(temp.path, 'CHG-5-input');
    mkdirSync(input, { recursive: true });
    writeFileSync(join(input, 'disk.img'), randomBytes(3 * 1024 * 1024));
    const big = await makePacket(temp.path, 'CHG-5', { tenant: 'acme', created: '2026-03-03T10:00:00Z' });
    const original = readFileSync(big.file);
    const header = Math.floor(original.indexOf('/disk.img\0') / 512) * 512;
    const payloadAt = header + 512 + 1_500_000; // inside disk.img's bytes
    const line = original.lastIndexOf('\n', original.indexOf('/disk.img\n')) + 1;
    const manifestAt = line + 63; // the last hex digit of disk.img's line in the manifest
    expect(header).toBeGreaterThanOrEqual(0);
    expect(original.subarray(line, line + 64).toString()).toMatch(/^[0-9a-f]{64}$/);
    for (const [name, at] of [['payload', payloadAt], ['manifest', manifestAt]] as const) {
      const dir = join(temp.path, `forged-${name}`);
      expect((await cli(['locker', 'push', big.file, '--folder', dir])).code).toBe(0);
      const stored = join(dir, packetKey(big.digest));
      const bytes = Buffer.from(original);
      bytes[at] = name === 'payload' ? (bytes[at] as number) ^ 1 : bytes[at] === 0x30 ? 0x31 : 0x30;
      chmodSync(stored, 0o644);
      writeFileSync(stored, bytes);
      const entryDir = join(dir, 'index', 'acme');
      const entryName = readdirSync(entryDir)[0] as string;
      chmodSync(join(entryDir, entryName), 0o644);
      const entry = json(readFileSync(join(entryDir, entryName), 'utf8')) as { object: { sha256: string; size: number } };
      entry.object = { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
      writeFileSync(join(entryDir, entryName), `${JSON.stringify(entry)}\n`);
      const outDir = join(temp.path, `forged-${name}-out`);
      mkdirSync(outDir);
      const run = await cli(['locker', 'pull', big.digest, '--out', join(outDir, 'p.tar'), '--folder', dir]);
      expect(run.code, name).toBe(1);
      expect(run.stderr).toMatch(name === 'payload' ? /fails its integrity checks/ : /the packet inside has digest/);
      expect(readdirSync(outDir)).toEqual([]);
    }
    // Untouched, the same packet pulls to the very bytes pushed.
    const dir = join(temp.path, 'intact-big');
    expect((await cli(['locker', 'push', big.file, '--folder', dir])).code).toBe(0);
    const out = join(temp.path, 'intact-big.packet.tar');
    expect((await cli(['locker', 'pull', big.digest, '--out', out, '--folder', dir])).code).toBe(0);
    expect(readFileSync(out).equals(original)).toBe(true);
  });

  it('a packet file changed while it is pushed is refused before its object is completed: nothing is stored', async () => {
    const dir = join(temp.path, 'changed-file');
    const file = join(temp.path, 'changing.packet.tar');
    copyFileSync(acme.file, file);
    const backend = new FolderBackend(dir);
    await backend.open();
    const { onProgress, touched } = touchOnFirstProgress(file);
    await expect(pushPacket(backend, folderLockerConfig(dir), file, { now: NOW, onProgress })).rejects.toMatchObject({ code: 'LOCKER_FILE_CHANGED' });
    expect(touched()).toBe(true);
    expect(storedFiles(dir)).toEqual([]);
  });

  it('a missing packet object fails pull and verify', async () => {
    const dir = await filledLocker('missing');
    unlinkSync(join(dir, packetKey(globex.digest)));
    const run = await cli(['locker', 'pull', globex.digest, '--out', join(temp.path, 'missing.tar'), '--folder', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/missing/);
    const verified = await cli(['locker', 'verify', '--folder', dir, '--format', 'json']);
    expect(verified.code).toBe(1);
    const check = (json(verified.stdout) as { checks: { code: string; data?: { seq: number } }[] }).checks.find((c) => c.code === 'PACKET_MISSING');
    expect(check?.data?.seq).toBe(3);
  });

  it('a deleted ledger entry is a gap reported where it starts', async () => {
    const dir = await filledLocker('gap');
    rmSync(join(dir, ledgerKey(2)), { force: true });
    const report = json((await cli(['locker', 'verify', '--folder', dir, '--format', 'json'])).stdout) as { verdict: string; checks: { code: string; data?: { seq: number } }[] };
    expect(report.verdict).toBe('fail');
    expect(report.checks.find((c) => c.code === 'LEDGER_GAP')?.data?.seq).toBe(2);
  });

  it('a deleted last ledger entry leaves an indexed packet the ledger does not know', async () => {
    const dir = await filledLocker('tail');
    rmSync(join(dir, ledgerKey(3)), { force: true });
    const report = json((await cli(['locker', 'verify', '--folder', dir, '--format', 'json'])).stdout) as { checks: { code: string; subject?: string }[] };
    expect(report.checks.find((c) => c.code === 'INDEX_NOT_IN_LEDGER')?.subject).toBe(globex.digest);
  });

  it('a replaced ledger entry breaks the chain at that entry', async () => {
    const dir = await filledLocker('replaced');
    const file = join(dir, ledgerKey(1));
    chmodSync(file, 0o644);
    const entry = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    entry.at = '2026-01-01T00:00:00Z';
    writeFileSync(file, `${JSON.stringify(entry)}\n`);
    const report = json((await cli(['locker', 'verify', '--folder', dir, '--format', 'json'])).stdout) as { checks: { code: string; data?: { seq: number } }[] };
    expect(report.checks.find((c) => c.code === 'LEDGER_LINK_BROKEN')?.data?.seq).toBe(1);
  });

  it('a legal hold changed behind the ledger is reported', async () => {
    const dir = await filledLocker('hold-behind');
    await new FolderBackend(dir).setLegalHold(packetKey(acme.digest), true);
    const report = json((await cli(['locker', 'verify', '--folder', dir, '--format', 'json'])).stdout) as { checks: { code: string }[] };
    expect(report.checks.some((c) => c.code === 'LEGAL_HOLD_MISMATCH')).toBe(true);
  });

  it('an interrupted push (object stored, nothing indexed) is completed by pushing again', async () => {
    const dir = join(temp.path, 'interrupted');
    const backend = new FolderBackend(dir);
    await backend.open();
    await backend.putFile(packetKey(acme.digest), acme.file);
    const before = json((await cli(['locker', 'verify', '--folder', dir, '--format', 'json'])).stdout) as { checks: { code: string }[] };
    expect(before.checks.some((c) => c.code === 'ORPHAN_OBJECT')).toBe(true);
    expect((facts((await cli(['locker', 'list', '--folder', dir, '--format', 'json'])).stdout).entries as unknown[]).length).toBe(0);
    const run = await cli(['locker', 'push', acme.file, '--folder', dir, '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    expect(facts(run.stdout).state).toMatch(/completed an interrupted push/);
    expect(json((await cli(['locker', 'verify', '--folder', dir, '--format', 'json'])).stdout).verdict).toBe('pass');
  });

  it('an interruption between index and ledger entry is completed by pushing again', async () => {
    const dir = join(temp.path, 'no-ledger');
    expect((await cli(['locker', 'push', acme.file, '--folder', dir])).code).toBe(0);
    rmSync(join(dir, ledgerKey(1)), { force: true });
    const run = await cli(['locker', 'push', acme.file, '--folder', dir, '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    expect(facts(run.stdout)).toMatchObject({ state: 'pushed (completed an interrupted push)', ledgerSeq: 1 });
    expect(json((await cli(['locker', 'verify', '--folder', dir, '--format', 'json'])).stdout).verdict).toBe('pass');
  });

  it('refuses to store other bytes under a digest the locker already holds', async () => {
    const dir = join(temp.path, 'taken');
    const backend = new FolderBackend(dir);
    await backend.open();
    const other = join(temp.path, 'other.bin');
    writeFileSync(other, 'not the packet');
    await backend.putFile(packetKey(acme.digest), other);
    const run = await cli(['locker', 'push', acme.file, '--folder', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/already holds packet .* with other bytes/);
  });

  it('pull never overwrites an existing file', async () => {
    const dir = await filledLocker('no-overwrite');
    const out = join(temp.path, 'exists.tar');
    writeFileSync(out, 'keep me');
    const run = await cli(['locker', 'pull', acme.digest, '--out', out, '--folder', dir]);
    expect(run.code).toBe(1); // in the way (OUTPUT_EXISTS), like every output already there; --force replaces it
    expect(readFileSync(out, 'utf8')).toBe('keep me');
  });

  it('list shows names from packets without control characters', async () => {
    const dir = join(temp.path, 'hostile-names');
    const digest = 'c'.repeat(64);
    mkdirSync(join(dir, 'index', 'acme'), { recursive: true });
    const entry = { created: '2026-03-01T10:00:00Z', digest, format: 'evidence-packet/locker-index/v1', name: 'x\u001b]0;owned\u0007\nfake line', object: { sha256: digest, size: 1 }, pushedAt: '2026-03-01T10:00:00Z', retention: { mode: 'GOVERNANCE', retainUntil: '2026-03-02T10:00:00Z' }, signers: [], tenant: 'acme' };
    writeFileSync(join(dir, 'index', 'acme', `20260301T100000Z-${digest}.json`), JSON.stringify(entry));
    const run = await cli(['locker', 'list', '--folder', dir]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(run.stdout.split('\n').filter((line) => line.includes('fake line'))).toHaveLength(1);
  });

  it('folder keys cannot reach outside the locker', () => {
    const backend = new FolderBackend(join(temp.path, 'keys'));
    for (const key of ['../x', 'index/../../x', '/etc/passwd', 'index//x', 'index/.hidden']) expect(() => backend.path(key)).toThrow(/unsafe/);
  });

  it('a renamed index entry that no longer matches its key is reported by list', async () => {
    const dir = await filledLocker('renamed');
    const from = join(dir, 'index', 'acme');
    const name = `20260301T100000Z-${acme.digest}.json`;
    chmodSync(join(from, name), 0o644);
    renameSync(join(from, name), join(dir, 'index', 'globex', name));
    const run = await cli(['locker', 'list', '--folder', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/does not match its key/);
  });
});
