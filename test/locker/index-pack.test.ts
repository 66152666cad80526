/**
 * Index packs on the folder backend: `list` takes entries from packs only where the listing shows
 * they are the entries' bytes, gives the same answer with and without packs, and `locker verify`
 * finds a pack that disagrees with its entries. (The S3 side, where the check is the ETag, is in
 * s3.test.ts.)
 */
import { chmodSync, readdirSync, readFileSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { folderLockerConfig } from '../../src/locker/config.js';
import { listEntries } from '../../src/locker/catalog.js';
import { FolderBackend } from '../../src/locker/folder.js';
import { compactIndex } from '../../src/locker/index-pack.js';
import { parseIndexPackKey } from '../../src/locker/layout.js';
import { pushPacket } from '../../src/locker/push.js';
import { makeTempDir, runCli } from '../helpers/cli.js';
import { makePacket, NOW, type MadePacket } from './helpers.js';

const temp = makeTempDir('locker-pack-');
const packets: MadePacket[] = [];

beforeAll(async () => {
  for (let i = 0; i < 4; i += 1) {
    packets.push(await makePacket(temp.path, `CHG-${i}`, { tenant: i < 3 ? 'acme' : 'globex', environment: i % 2 === 0 ? 'prod' : 'dev', operation: `CHG-${i}`, created: `2026-03-0${i + 1}T10:00:00Z` }));
  }
});
afterAll(() => temp.cleanup());

const cli = (args: string[]) => runCli([...args, '--now', NOW.toISOString()], { cwd: temp.path });

/** A folder locker holding the packets, pushed through the library (no pack written yet). */
async function filled(name: string, upTo = packets.length): Promise<{ dir: string; backend: FolderBackend }> {
  const dir = join(temp.path, name);
  const backend = new FolderBackend(dir);
  await backend.open();
  for (const packet of packets.slice(0, upTo)) {
    const pushed = await pushPacket(backend, folderLockerConfig(dir), packet.file, { now: NOW, packIndexAfter: 100 });
    expect(pushed.pushed).toBe(true);
    expect(pushed.packed).toBeUndefined();
  }
  return { dir, backend };
}

/** Count the index entries read one by one, to see whether list used the packs. */
function counting(backend: FolderBackend): { backend: FolderBackend; entryReads: () => number } {
  let reads = 0;
  const original = backend.getBytes.bind(backend);
  backend.getBytes = (key: string, max: number) => {
    if (/^index\/[^/]+\/[^/]+\.json$/.test(key)) reads += 1;
    return original(key, max);
  };
  return { backend, entryReads: () => reads };
}

function packFiles(dir: string, tenant: string): string[] {
  return readdirSync(join(dir, 'index', tenant, 'packs')).map((name) => join(dir, 'index', tenant, 'packs', name));
}

/** Rewrite a read-only locker file in place, keeping its size, and date it `at`. */
function rewrite(file: string, from: string, to: string, at: Date): void {
  expect(to.length).toBe(from.length);
  chmodSync(file, 0o644);
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  writeFileSync(file, text.replace(from, to));
  utimesSync(file, at, at);
}

function entryFile(dir: string, packet: MadePacket, tenant: string): string {
  const name = readdirSync(join(dir, 'index', tenant)).find((file) => file.endsWith(`-${packet.digest}.json`));
  expect(name).toBeDefined();
  return join(dir, 'index', tenant, name as string);
}

describe('index packs (folder)', () => {
  it('list --tenant --since starts the listing at that time (the store is not asked for earlier entries), packs still read', async () => {
    const { backend } = await filled('since');
    expect((await compactIndex(backend, 'acme')).packed).toBe(3);
    const since = new Date('2026-03-02T00:00:00Z');
    const full = await listEntries(backend, { tenant: 'acme' });
    const seen: string[] = [];
    const original = backend.list.bind(backend);
    backend.list = (prefix: string, details?: boolean, startAfter?: string) => {
      const listing = original(prefix, details, startAfter);
      return (async function* () {
        for await (const item of listing) {
          seen.push(item.key);
          yield item;
        }
      })();
    };
    const counted = counting(backend);
    const narrowed = await listEntries(counted.backend, { tenant: 'acme', since });
    expect(narrowed).toEqual(full.filter((item) => item.entry !== undefined && new Date(item.entry.created).getTime() >= since.getTime()));
    expect(narrowed).toHaveLength(2);
    expect(seen.some((key) => key.startsWith('index/acme/20260301'))).toBe(false);
    expect(seen.filter((key) => key.startsWith('index/acme/packs/'))).toHaveLength(1);
    expect(counted.entryReads()).toBe(0);
    // A time with milliseconds inside an entry's second: that entry (created at the whole second) is before it.
    const within = await listEntries(backend, { tenant: 'acme', since: new Date('2026-03-02T10:00:00.500Z') });
    expect(within.map((item) => item.entry?.operation)).toEqual(['CHG-2']);
  });

  it('list gives the same answer from packs, reading no entry one by one, with every filter', async () => {
    const { dir, backend } = await filled('same');
    const filters = [{}, { tenant: 'acme' }, { tenant: 'acme', since: new Date('2026-03-02T00:00:00Z') }, { environment: 'dev' }, { operation: 'CHG-3' }];
    const before = await Promise.all(filters.map((filter) => listEntries(backend, filter)));
    expect(before[0]).toHaveLength(4);

    expect((await compactIndex(backend, 'acme')).packed).toBe(3);
    expect((await compactIndex(backend, 'globex')).packed).toBe(1);
    // Nothing left to pack: a second run writes nothing.
    expect(await compactIndex(backend, 'acme')).toEqual({ packed: 0, packs: [] });
    const [pack] = packFiles(dir, 'acme');
    expect(parseIndexPackKey(`index/acme/packs/${(pack as string).split('/').pop() as string}`)?.count).toBe(3);

    const counted = counting(backend);
    const after = await Promise.all(filters.map((filter) => listEntries(counted.backend, filter)));
    expect(after).toEqual(before);
    expect(counted.entryReads()).toBe(0);
    // The CLI's answer too, and verify finds the packs in agreement.
    const listed = await cli(['locker', 'list', '--folder', dir, '--format', 'json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { facts: { entries: unknown[] } }).facts.entries).toEqual(before[0]?.map((item) => item.entry));
    const verified = await cli(['locker', 'verify', '--folder', dir, '--format', 'json']);
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.stdout).toMatch(/index packs agree with their entries/);
  });

  it('the listing decides: a deleted entry is gone, a new one appears, a damaged pack is ignored', async () => {
    const { dir, backend } = await filled('listing', 2);
    await compactIndex(backend, 'acme');
    const gone = entryFile(dir, packets[0] as MadePacket, 'acme');
    chmodSync(gone, 0o644);
    unlinkSync(gone);
    const pushed = await pushPacket(backend, folderLockerConfig(dir), (packets[2] as MadePacket).file, { now: NOW, packIndexAfter: 100 });
    expect(pushed.pushed).toBe(true);
    const digests = (await listEntries(backend)).map((item) => item.entry?.digest);
    expect(digests).toEqual([packets[1]?.digest, packets[2]?.digest]);

    // A pack whose bytes no longer hash to its name is not used; the entries are read instead.
    const [pack] = packFiles(dir, 'acme');
    rewrite(pack as string, 'CHG-1', 'CHG-X', new Date(Date.now() + 60_000));
    const counted = counting(backend);
    const listed = await listEntries(counted.backend);
    expect(listed.map((item) => item.entry?.name)).toEqual(['CHG-1', 'CHG-2']);
    expect(counted.entryReads()).toBe(2);
  });

  it('an entry changed after packing is read from the entry; one back-dated to look older is caught by verify', async () => {
    const { dir, backend } = await filled('changed', 3);
    await compactIndex(backend, 'acme');
    const file = entryFile(dir, packets[1] as MadePacket, 'acme');
    rewrite(file, '"name":"CHG-1"', '"name":"CHG-9"', new Date(Date.now() + 60_000));
    expect((await listEntries(backend)).map((item) => item.entry?.name)).toEqual(['CHG-0', 'CHG-9', 'CHG-2']);

    // Same size and dated before the pack: a folder cannot tell from its listing (no WORM
    // guarantee), so list shows the packed bytes; verify reads every entry and reports the pack.
    utimesSync(file, new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z'));
    expect((await listEntries(backend)).map((item) => item.entry?.name)).toEqual(['CHG-0', 'CHG-1', 'CHG-2']);
    const verified = await cli(['locker', 'verify', '--folder', dir, '--format', 'json']);
    expect(verified.code).toBe(1);
    const report = JSON.parse(verified.stdout) as { checks: { code: string; subject?: string }[] };
    expect(report.checks.filter((check) => check.code === 'INDEX_PACK_MISMATCH').map((check) => check.subject)).toEqual([`index/acme/${file.split('/').pop() as string}`]);
  });

  it('push packs the index of its tenant once enough entries are in no pack, and says so', async () => {
    const dir = join(temp.path, 'push');
    const backend = new FolderBackend(dir);
    await backend.open();
    const config = folderLockerConfig(dir);
    const first = await pushPacket(backend, config, (packets[0] as MadePacket).file, { now: NOW, packIndexAfter: 2 });
    expect(first.packed).toBeUndefined();
    const second = await pushPacket(backend, config, (packets[1] as MadePacket).file, { now: NOW, packIndexAfter: 2 });
    expect(second.packed).toBe(2);
    expect(packFiles(dir, 'acme')).toHaveLength(1);
    // The CLI packs at its default threshold: not after one more push.
    const run = await cli(['locker', 'push', (packets[2] as MadePacket).file, '--folder', dir, '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    const pushed = JSON.parse(run.stdout) as { facts: Record<string, unknown> };
    expect(pushed.facts).toHaveProperty('digest');
    expect(pushed.facts).not.toHaveProperty('indexPacked');
    expect(packFiles(dir, 'acme')).toHaveLength(1);
    rmSync(dir, { recursive: true, force: true });
  });
});
