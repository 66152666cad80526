/**
 * The locker against a real S3 server with Object Lock: Ceph radosgw 16.2 on 127.0.0.1
 * (scripts/ceph-local.sh). The whole life cycle through the CLI, the server's quirks the code must
 * survive (each shown directly with the SDK first), and the faults: wrong bytes, missing objects,
 * deleted or replaced ledger entries, retention shortening, a network cut mid-upload.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectAttributesCommand,
  GetObjectLegalHoldCommand,
  GetObjectRetentionCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLockerConfig } from '../../src/locker/config.js';
import { LockRefusedError } from '../../src/locker/errors.js';
import { listEntries } from '../../src/locker/catalog.js';
import { compactIndex } from '../../src/locker/index-pack.js';
import { pushPacket } from '../../src/locker/push.js';
import { ledgerKey, packetKey, parseIndexKey } from '../../src/locker/layout.js';
import { S3Backend } from '../../src/locker/s3.js';
import { makeTempDir, runCli, type CliRun } from '../helpers/cli.js';
import { makePacket, touchOnFirstProgress, type MadePacket } from './helpers.js';
import { cuttingProxy } from './proxy.js';
import { credentialsEnv, inCi, lockerFile, makeBucket, radosgw, radosgwMissing, s3Client, type Radosgw } from './radosgw.js';

const temp = makeTempDir('locker-s3-');
afterAll(() => temp.cleanup());

describe.skipIf(radosgw === undefined && !inCi)('locker on S3 Object Lock (local Ceph radosgw)', () => {
  let server: Radosgw;
  let client: S3Client;
  let env: NodeJS.ProcessEnv;
  let acme: MadePacket;
  let globex: MadePacket;
  let big: MadePacket;

  beforeAll(async () => {
    if (radosgw === undefined) throw new Error(`the S3 tests must run in CI: ${radosgwMissing ?? ''}; .ci/run starts radosgw with scripts/ceph-local.sh`);
    server = radosgw;
    client = s3Client(server);
    env = credentialsEnv(server, temp.path);
    acme = await makePacket(temp.path, 'CHG-7', { tenant: 'acme', environment: 'prod', operation: 'CHG-7', created: '2026-03-01T10:00:00Z' });
    globex = await makePacket(temp.path, 'CHG-8', { tenant: 'globex', environment: 'dev', operation: 'CHG-8', created: '2025-11-01T10:00:00Z' });
    // Over the 5 MiB part size: pushed by multipart upload, where radosgw drops lock headers.
    mkdirSync(join(temp.path, 'CHG-9-input'));
    writeFileSync(join(temp.path, 'CHG-9-input', 'disk.img'), randomBytes(12 * 1024 * 1024));
    big = await makePacket(temp.path, 'CHG-9', { tenant: 'acme', environment: 'prod', operation: 'CHG-9', created: '2026-03-05T10:00:00Z' });
  });

  async function newLocker(name: string, options: { objectLock?: boolean; extra?: string; endpoint?: string } = {}): Promise<{ file: string; bucket: string }> {
    const bucket = await makeBucket(client, name, options.objectLock ?? true);
    const file = join(temp.path, `${bucket}.yaml`);
    writeFileSync(file, lockerFile(server, bucket, options.extra ?? '', options.endpoint ?? server.endpoint));
    return { file, bucket };
  }

  const cli = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliRun> => runCli(args, { cwd: temp.path, env: { ...env, ...extraEnv } });
  const json = (run: CliRun): Record<string, unknown> => JSON.parse(run.stdout) as Record<string, unknown>;
  // The command-specific results of a --format json envelope.
  const facts = (run: CliRun): Record<string, unknown> => json(run).facts as Record<string, unknown>;

  async function checks(file: string): Promise<{ verdict: string; checks: { code: string; subject?: string; data?: { seq: number } }[] }> {
    return json(await cli(['locker', 'verify', '--locker', file, '--format', 'json'])) as never;
  }

  describe('what this radosgw does, shown with the SDK alone', () => {
    it('ignores Object Lock headers on a multipart upload and answers it with an empty ETag', async () => {
      const bucket = await makeBucket(client, 'quirk-mp', true);
      const upload = new Upload({
        client,
        partSize: 5 * 1024 * 1024,
        params: { Bucket: bucket, Key: 'm', Body: randomBytes(11 * 1024 * 1024), ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: new Date(Date.now() + 86_400_000) },
      });
      const done = await upload.done();
      expect(done.ETag ?? '').toBe('');
      await expect(client.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: 'm' }))).rejects.toMatchObject({ name: 'ObjectLockConfigurationNotFoundError' });
    });

    it("answers 411 to the SDK's default (aws-chunked, checksummed) streaming upload", async () => {
      const bucket = await makeBucket(client, 'quirk-411', true);
      const defaults = new S3Client({ region: 'us-east-1', endpoint: server.endpoint, forcePathStyle: true, credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } });
      const body = join(temp.path, 'one-mib');
      writeFileSync(body, Buffer.alloc(1024 * 1024, 1));
      try {
        await expect(defaults.send(new PutObjectCommand({ Bucket: bucket, Key: 's', Body: createReadStream(body), ContentLength: 1024 * 1024 }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 411 } });
        await expect(client.send(new PutObjectCommand({ Bucket: bucket, Key: 's', Body: createReadStream(body), ContentLength: 1024 * 1024 }))).resolves.toBeDefined();
      } finally {
        defaults.destroy();
      }
    });

    it('accepts a wrong x-amz-checksum-sha256 and has no GetObjectAttributes', async () => {
      const bucket = await makeBucket(client, 'quirk-ck', true);
      const wrong = Buffer.alloc(32).toString('base64');
      await expect(client.send(new PutObjectCommand({ Bucket: bucket, Key: 'c', Body: Buffer.from('hello'), ChecksumSHA256: wrong }))).resolves.toBeDefined();
      await expect(client.send(new GetObjectAttributesCommand({ Bucket: bucket, Key: 'c', ObjectAttributes: ['ETag'] }))).rejects.toBeDefined();
    });
  });

  it('runs the life cycle: push, list, hold, release, retention, pull, mirror and verify', async () => {
    const { file, bucket } = await newLocker('life');
    for (const packet of [acme, globex, big]) {
      const run = await cli(['locker', 'push', packet.file, '--locker', file, '--format', 'json']);
      expect(run.code, run.stderr).toBe(0);
      expect(facts(run).worm).toBe(true);
    }
    // The multipart packet is locked although radosgw dropped the headers: set and read back.
    const bigRetention = await client.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: packetKey(big.digest) }));
    expect(bigRetention.Retention?.Mode).toBe('COMPLIANCE');
    const globexRetention = await client.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: packetKey(globex.digest) }));
    expect(globexRetention.Retention?.Mode).toBe('GOVERNANCE');
    const ledgerRetention = await client.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: ledgerKey(1) }));
    expect(ledgerRetention.Retention?.Mode).toBe('COMPLIANCE');

    const listed = facts(await cli(['locker', 'list', '--locker', file, '--tenant', 'acme', '--since', '2026-01-01', '--format', 'json'])).entries as { digest: string }[];
    expect(listed.map((e) => e.digest).sort()).toEqual([acme.digest, big.digest].sort());
    // Listed from 2026-03-02 on, radosgw starts after that time's key (StartAfter): the later packet only.
    const later = facts(await cli(['locker', 'list', '--locker', file, '--tenant', 'acme', '--since', '2026-03-02', '--format', 'json'])).entries as { digest: string }[];
    expect(later.map((e) => e.digest)).toEqual([big.digest]);

    expect((await cli(['locker', 'hold', acme.digest, '--locker', file])).code).toBe(0);
    expect((await client.send(new GetObjectLegalHoldCommand({ Bucket: bucket, Key: packetKey(acme.digest) }))).LegalHold?.Status).toBe('ON');
    expect((await cli(['locker', 'release', acme.digest, '--locker', file])).code).toBe(0);
    expect((await client.send(new GetObjectLegalHoldCommand({ Bucket: bucket, Key: packetKey(acme.digest) }))).LegalHold?.Status).toBe('OFF');

    const extended = await cli(['locker', 'retention', acme.digest, '--days', '2', '--locker', file, '--format', 'json']);
    expect(extended.code, extended.stderr).toBe(0);
    const after = await client.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: packetKey(acme.digest) }));
    expect(after.Retention?.RetainUntilDate?.getTime()).toBeGreaterThan(Date.now() + 36 * 3_600_000);
    const shorten = await cli(['locker', 'retention', acme.digest, '--days', '1', '--locker', file]);
    expect(shorten.code).toBe(1);

    const out = join(temp.path, 'life-pulled.packet.tar');
    const pulled = await cli(['locker', 'pull', big.digest, '--out', out, '--locker', file]);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(readFileSync(out).equals(readFileSync(big.file))).toBe(true);

    const online = await checks(file);
    expect(online.verdict, JSON.stringify(online.checks.filter((c) => (c as { status?: string }).status === 'fail'))).toBe('pass');

    const mirror = join(temp.path, 'life-mirror');
    expect((await cli(['locker', 'pull', '--all', '--out', mirror, '--locker', file])).code).toBe(0);
    const offline = json(await runCli(['locker', 'verify', '--folder', mirror, '--format', 'json'], { env: { PATH: process.env.PATH } })) as { verdict: string; facts: { ledgerEntries: number } };
    expect(offline.verdict, JSON.stringify((offline as unknown as { checks: { status: string }[] }).checks.filter((c) => c.status === 'fail'))).toBe('pass');
    expect(offline.facts.ledgerEntries).toBe(6);
  });

  it('COMPLIANCE retention cannot be shortened or weakened: the server itself refuses', async () => {
    const { file, bucket } = await newLocker('compliance');
    expect((await cli(['locker', 'push', acme.file, '--locker', file])).code).toBe(0);
    const settings = parseLockerConfig(readFileSync(file, 'utf8'), file, temp.path).s3;
    const backend = new S3Backend(settings as NonNullable<typeof settings>, { env });
    await backend.open();
    try {
      const key = packetKey(acme.digest);
      // Straight to the store, past the locker's own refusal.
      await expect(backend.setRetention(key, 'COMPLIANCE', new Date(Date.now() + 3_600_000))).rejects.toBeInstanceOf(LockRefusedError);
      await expect(backend.setRetention(key, 'GOVERNANCE', new Date(Date.now() + 5 * 86_400_000))).rejects.toBeInstanceOf(LockRefusedError);
      await expect(client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: (await versionOf(client, bucket, key)) }))).rejects.toBeDefined();
    } finally {
      await backend.close();
    }
  });

  it('refuses a bucket without Object Lock unless the locker file allows it', async () => {
    const refused = await newLocker('nolock', { objectLock: false });
    const run = await cli(['locker', 'push', acme.file, '--locker', refused.file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/does not have Object Lock/);
    expect(run.stderr).toMatch(/allowWithoutObjectLock/);
    const allowed = await newLocker('nolock-ok', { objectLock: false, extra: '  allowWithoutObjectLock: true\n' });
    const pushed = await cli(['locker', 'push', acme.file, '--locker', allowed.file, '--format', 'json']);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(facts(pushed).worm).toBe(false);
  });

  it('pull refuses bytes that do not hash to what was pushed (an object replaced by a new version)', async () => {
    const { file, bucket } = await newLocker('wrong');
    expect((await cli(['locker', 'push', globex.file, '--locker', file])).code).toBe(0);
    // Object Lock keeps the old version, but a new version becomes what GET returns.
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: packetKey(globex.digest), Body: readFileSync(acme.file) }));
    const out = join(temp.path, 'wrong.packet.tar');
    const run = await cli(['locker', 'pull', globex.digest, '--out', out, '--locker', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/not the ones pushed/);
    expect(existsSync(out)).toBe(false);
    expect((await checks(file)).checks.find((c) => c.code === 'HASH_MISMATCH')?.subject).toBe(globex.digest);
  });

  it('pull checks integrity while the bytes stream in: a packet changed inside its payload is refused though its index entry was rewritten to match', async () => {
    const { file, bucket } = await newLocker('forged');
    expect((await cli(['locker', 'push', big.file, '--locker', file])).code).toBe(0);
    // New versions of the object (a byte of disk.img flipped, mid-stream) and of its index entry
    // (recording the new bytes): only the packet's own integrity check can tell.
    const bytes = readFileSync(big.file);
    const at = Math.floor(bytes.length / 2);
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0xff, at);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: packetKey(big.digest), Body: bytes }));
    const indexKey = ((await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'index/' }))).Contents ?? []).map((o) => o.Key as string).find((key) => key.endsWith(`-${big.digest}.json`)) as string;
    const entry = JSON.parse(await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: indexKey }))).Body!.transformToString()) as { object: { sha256: string; size: number } };
    entry.object = { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: indexKey, Body: `${JSON.stringify(entry)}\n` }));
    const outDir = join(temp.path, 'forged-out');
    mkdirSync(outDir);
    const run = await cli(['locker', 'pull', big.digest, '--out', join(outDir, 'forged.packet.tar'), '--locker', file, '--format', 'json']);
    expect(run.code).toBe(1);
    expect((json(run).error as { code: string }).code).toBe('LOCKER_PULL_DIGEST_MISMATCH');
    expect(run.stdout).toMatch(/fails its integrity checks/);
    expect(readdirSync(outDir)).toEqual([]);
  });

  it('lists keys the fast page parser reads and keys it leaves to the SDK alike, over several pages', async () => {
    const { file, bucket } = await newLocker('odd-keys');
    const keys = ['odd/a b', 'odd/caf\u00e9', 'odd/a&b<c>', 'odd/plain', ...Array.from({ length: 1005 }, (_, i) => `odd/n/${String(i).padStart(4, '0')}`)];
    await Promise.all(keys.map((key) => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }))));
    const settings = parseLockerConfig(readFileSync(file, 'utf8'), file, temp.path).s3;
    const backend = new S3Backend(settings as NonNullable<typeof settings>, { env });
    try {
      const listed: { key: string; size?: number }[] = [];
      for await (const item of backend.list('odd/')) listed.push(item);
      const expected = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      expect(listed.map((item) => item.key)).toEqual(expected);
      expect(listed.map((item) => item.size)).toEqual(expected.map((key) => Buffer.byteLength(key)));
    } finally {
      await backend.close();
    }
  });

  it('list takes entries from index packs only where the listed ETag is the MD5 of the packed bytes', async () => {
    const { file, bucket } = await newLocker('packs');
    for (const packet of [acme, globex]) expect((await cli(['locker', 'push', packet.file, '--locker', file])).code).toBe(0);
    const list = async (): Promise<unknown> => facts(await cli(['locker', 'list', '--locker', file, '--format', 'json']));
    const before = await list();
    const settings = parseLockerConfig(readFileSync(file, 'utf8'), file, temp.path).s3;
    const backend = new S3Backend(settings as NonNullable<typeof settings>, { env });
    await backend.open();
    try {
      expect((await compactIndex(backend, 'acme')).packed).toBe(1);
      let entryReads = 0;
      const getBytes = backend.getBytes.bind(backend);
      backend.getBytes = (key: string, max: number) => {
        if (parseIndexKey(key) !== undefined) entryReads += 1;
        return getBytes(key, max);
      };
      expect((await listEntries(backend)).map((item) => item.entry?.digest)).toEqual([acme.digest, globex.digest]);
      expect(entryReads).toBe(1);
      expect(await list()).toEqual(before);
      // Object Lock keeps the old version, but a new version (another ETag) is what the entry is now.
      const entryKey = (await listEntries(backend, { tenant: 'acme' }))[0]?.key as string;
      const now = await client.send(new GetObjectCommand({ Bucket: bucket, Key: entryKey }));
      const replaced = ((await now.Body?.transformToString()) ?? '').replace('"name":"CHG-7"', '"name":"CHG-X"');
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: entryKey, Body: replaced }));
      expect((await listEntries(backend, { tenant: 'acme' }))[0]?.entry?.name).toBe('CHG-X');
    } finally {
      await backend.close();
    }
    expect((await checks(file)).checks.map((check) => check.code)).toContain('INDEX_PACK_MISMATCH');
  });

  it('a missing object fails pull and verify; deleted or replaced ledger entries break the chain where they start', async () => {
    const { file, bucket } = await newLocker('faults');
    for (const packet of [acme, globex]) expect((await cli(['locker', 'push', packet.file, '--locker', file])).code).toBe(0);
    expect((await cli(['locker', 'hold', acme.digest, '--locker', file])).code).toBe(0);
    expect((await cli(['locker', 'release', acme.digest, '--locker', file])).code).toBe(0);
    // A delete marker hides the locked object from GET, which is what a reader sees.
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: packetKey(globex.digest) }));
    const run = await cli(['locker', 'pull', globex.digest, '--out', join(temp.path, 'gone.tar'), '--locker', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/missing/);
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: ledgerKey(3) }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: ledgerKey(1), Body: Buffer.from('{"forged":true}\n') }));
    const report = await checks(file);
    expect(report.verdict).toBe('fail');
    expect(report.checks.find((c) => c.code === 'PACKET_MISSING')?.subject).toBe(globex.digest);
    expect(report.checks.find((c) => c.code === 'LEDGER_GAP')?.data?.seq).toBe(3);
    expect(report.checks.find((c) => c.code === 'LEDGER_ENTRY_INVALID')?.data?.seq).toBe(1);
  });

  it('a network cut mid-upload leaves no index or ledger entry, and a retry starts clean', async () => {
    const proxy = await cuttingProxy(new URL(server.endpoint), 4 * 1024 * 1024);
    try {
      const { file, bucket } = await newLocker('cut', { endpoint: proxy.url });
      const run = await cli(['locker', 'push', big.file, '--locker', file]);
      expect(run.code, run.stderr).toBe(3);
      expect(run.stderr).toMatch(/cannot reach/);
      expect(proxy.cut).toBe(true);
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      expect((listed.Contents ?? []).map((o) => o.Key)).toEqual([]);
      // Retry straight to the server.
      writeFileSync(file, lockerFile(server, bucket));
      const retry = await cli(['locker', 'push', big.file, '--locker', file, '--format', 'json']);
      expect(retry.code, retry.stderr).toBe(0);
      expect(facts(retry).state).toBe('pushed');
      expect((await checks(file)).verdict).toBe('pass');
    } finally {
      await proxy.close();
    }
  });

  it('a packet that fails verification is not stored, and its multipart upload (begun alongside) is aborted', async () => {
    const { file, bucket } = await newLocker('unverified');
    const bad = join(temp.path, 'big-tampered.packet.tar');
    const bytes = readFileSync(big.file);
    const at = bytes.length - 65536; // near the end of disk.img: parts are sent before the mismatch shows
    bytes.writeUInt8((bytes.readUInt8(at) ^ 0xff) & 0xff, at);
    writeFileSync(bad, bytes);
    const run = await cli(['locker', 'push', bad, '--locker', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/not pushed/);
    expect((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).toEqual([]);
    expect((await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).toEqual([]);
  });

  it('a packet file changed while it is pushed is refused before the multipart upload completes: nothing is stored', async () => {
    const { file, bucket } = await newLocker('changing');
    const changing = join(temp.path, 'big-changing.packet.tar');
    copyFileSync(big.file, changing);
    const settings = parseLockerConfig(readFileSync(file, 'utf8'), file, temp.path).s3;
    const backend = new S3Backend(settings as NonNullable<typeof settings>, { env });
    await backend.open();
    const { onProgress, touched } = touchOnFirstProgress(changing);
    try {
      await expect(pushPacket(backend, parseLockerConfig(readFileSync(file, 'utf8'), file, temp.path), changing, { now: new Date(), onProgress })).rejects.toMatchObject({ code: 'LOCKER_FILE_CHANGED' });
    } finally {
      await backend.close();
    }
    expect(touched()).toBe(true);
    expect((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).toEqual([]);
    expect((await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).toEqual([]);
  });

  it('rejected credentials are an environment error (exit 3), never printed', async () => {
    const { file } = await newLocker('creds');
    const secret = 'wrong-secret-that-must-not-appear-1234';
    const run = await cli(['locker', 'list', '--locker', file], { AWS_SECRET_ACCESS_KEY: secret });
    expect(run.code, run.stderr).toBe(3);
    expect(run.stdout + run.stderr).not.toContain(secret);
  });
});

async function versionOf(client: S3Client, bucket: string, key: string): Promise<string | undefined> {
  const versions = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
  return versions.Versions?.[0]?.VersionId;
}
