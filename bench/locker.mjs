// The evidence locker against a local Ceph radosgw (scripts/ceph-local.sh start DIR; then
// PACKET_TEST_RADOSGW_ENV=DIR/env): `packet locker push` and `pull` of one large packet next to a
// plain SDK upload and download of the same file in the same run (time and peak RSS), and
// `packet locker list` over 10,000 index entries, in a folder next to reading the same entries with
// `cat`, and on S3: each one by one (no index pack yet) and then from index packs.
//   node bench/locker.mjs [--mib 2048] [--entries 10000] [--s3-entries 10000]
import { randomFillSync, randomBytes, createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BIN, fmt, measure, ratio, ROOT } from './lib/measure.mjs';
import { buildPacket } from '../dist/packet/build.js';
import { FolderBackend } from '../dist/locker/folder.js';
import { S3Backend } from '../dist/locker/s3.js';
import { compactIndex } from '../dist/locker/index-pack.js';
import { mapLimited } from '../dist/locker/limit.js';

/** The key and body of the i-th of the bench's index entries (20 tenants, one an hour). */
function benchEntry(i) {
  const tenant = `tenant-${i % 20}`;
  const digest = createHash('sha256').update(String(i)).digest('hex');
  const created = new Date(Date.UTC(2025, 0, 1) + i * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const body = { created, digest, environment: 'prod', format: 'evidence-packet/locker-index/v1', name: `CHG-${i}`, object: { sha256: digest, size: 1 }, operation: `CHG-${i}`, pushedAt: created, retention: { mode: 'GOVERNANCE', retainUntil: created }, signers: [], tenant };
  return { tenant, key: `index/${tenant}/${created.replace(/[-:]/g, '')}-${digest}.json`, body: `${JSON.stringify(body)}\n` };
}

async function packAll(backend) {
  for (let t = 0; t < 20; t += 1) await compactIndex(backend, `tenant-${t}`);
}

const option = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const mib = option('mib', 2048);
const entries = option('entries', 10000);
const s3Entries = option('s3-entries', 10000);
const envFile = process.env.PACKET_TEST_RADOSGW_ENV;
if (!envFile) throw new Error('start radosgw first: scripts/ceph-local.sh start DIR, then PACKET_TEST_RADOSGW_ENV=DIR/env');
const server = Object.fromEntries(readFileSync(envFile, 'utf8').trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.AWS_ACCESS_KEY_ID = server.PACKET_TEST_S3_ACCESS_KEY_ID;
process.env.AWS_SECRET_ACCESS_KEY = server.PACKET_TEST_S3_SECRET_ACCESS_KEY;
process.env.BENCH_S3_ENDPOINT = server.PACKET_TEST_S3_ENDPOINT;
process.env.BENCH_PART_MIB = '8';

const work = mkdtempSync(join(tmpdir(), 'bench-locker-'));
try {
  // One packet holding one file of random bytes.
  const input = join(work, 'input');
  mkdirSync(input);
  const fd = openSync(join(input, 'disk.img'), 'w');
  const block = Buffer.alloc(16 * 1024 * 1024);
  for (let i = 0; i < mib / 16; i += 1) writeSync(fd, randomFillSync(block));
  closeSync(fd);
  const packet = join(work, 'big.packet.tar');
  const built = await buildPacket({ inputs: [input], out: packet, name: 'BENCH', created: new Date('2026-03-01T00:00:00Z'), tenant: 'acme', environment: 'prod', cwd: work });
  rmSync(input, { recursive: true });

  const client = new S3Client({ region: 'us-east-1', endpoint: server.PACKET_TEST_S3_ENDPOINT, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  const bucket = `bench-${randomBytes(4).toString('hex')}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
  client.destroy();
  const locker = join(work, 'locker.yaml');
  writeFileSync(locker, `apiVersion: evidence-packet/v1\nkind: Locker\nbackend: s3\ns3:\n  endpoint: ${server.PACKET_TEST_S3_ENDPOINT}\n  region: us-east-1\n  bucket: ${bucket}\n  pathStyle: true\n  partSizeMiB: 8\n  queueSize: 4\nretention:\n  default: { mode: GOVERNANCE, days: 1 }\n`);

  const plainUp = measure('plain SDK upload', ['bench/locker-plain.mjs', 'upload', packet, bucket, 'plain/big.packet.tar'], { runs: 1, node: true });
  const push = measure('packet locker push', [BIN, 'locker', 'push', packet, '--locker', locker], { runs: 1, node: true });
  const plainDown = measure('plain SDK download', ['bench/locker-plain.mjs', 'download', bucket, 'plain/big.packet.tar', join(work, 'plain.tar')], { runs: 1, node: true });
  rmSync(join(work, 'plain.tar'), { force: true });
  const pull = measure('packet locker pull', [BIN, 'locker', 'pull', built.digest, '--out', join(work, 'pulled.tar'), '--locker', locker], { runs: 1, node: true });
  rmSync(join(work, 'pulled.tar'), { force: true });
  rmSync(packet, { force: true });

  // list: a folder locker with `entries` index entries over 20 tenants, then the same packed.
  const folder = join(work, 'folder');
  for (let i = 0; i < entries; i += 1) {
    const { tenant, key, body } = benchEntry(i);
    mkdirSync(join(folder, 'index', tenant), { recursive: true });
    writeFileSync(join(folder, key), body);
  }
  const listArgs = (where) => [BIN, 'locker', 'list', ...where, '--format', 'json'];
  const cat = measure('find -exec cat', ['find', join(folder, 'index'), '-type', 'f', '-exec', 'cat', '{}', '+'], { runs: 3 });
  const listLoose = measure('packet locker list (folder, no packs)', listArgs(['--folder', folder]), { runs: 3, node: true });
  await packAll(new FolderBackend(folder));
  const list = measure('packet locker list (folder, packed)', listArgs(['--folder', folder]), { runs: 3, node: true });
  const listTenant = measure('packet locker list --tenant --since', [BIN, 'locker', 'list', '--folder', folder, '--tenant', 'tenant-3', '--since', '2025-06-01'], { runs: 3, node: true });

  // list on S3: the same entries written to the bucket, listed one by one, then packed.
  const s3 = new S3Client({ region: 'us-east-1', endpoint: server.PACKET_TEST_S3_ENDPOINT, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  await mapLimited(Array.from({ length: s3Entries }, (_, i) => i), 16, async (i) => {
    const { key, body } = benchEntry(i);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentMD5: createHash('md5').update(body).digest('base64') }));
  });
  s3.destroy();
  const s3List = measure('packet locker list (S3, no packs)', listArgs(['--locker', locker]), { runs: 1, node: true });
  const backend = new S3Backend({ bucket, region: 'us-east-1', endpoint: server.PACKET_TEST_S3_ENDPOINT, pathStyle: true, prefix: '', partSizeMiB: 8, queueSize: 4, connectTimeoutSeconds: 10, idleTimeoutSeconds: 120, allowWithoutObjectLock: false }, { env: process.env });
  await backend.open();
  await packAll(backend);
  await backend.close();
  const s3ListPacked = measure('packet locker list (S3, packed)', listArgs(['--locker', locker]), { runs: 3, node: true });

  const rows = [
    ['step', 'time', 'peak RSS', 'vs. plain'],
    ['---', '---', '---', '---'],
    [`plain SDK upload, ${mib} MiB`, fmt(plainUp.seconds), `${plainUp.rssMiB} MiB`, ''],
    [`packet locker push (verify, upload, lock, read back, index, ledger)`, fmt(push.seconds), `${push.rssMiB} MiB`, ratio(push.seconds, plainUp.seconds)],
    [`plain SDK download, ${mib} MiB`, fmt(plainDown.seconds), `${plainDown.rssMiB} MiB`, ''],
    [`packet locker pull (hash, check, atomic write)`, fmt(pull.seconds), `${pull.rssMiB} MiB`, ratio(pull.seconds, plainDown.seconds)],
    [`find -exec cat over ${entries} index entries`, fmt(cat.seconds), '', ''],
    [`packet locker list, folder, all ${entries} entries (JSON), no packs`, fmt(listLoose.seconds), `${listLoose.rssMiB} MiB`, ratio(listLoose.seconds, cat.seconds)],
    [`packet locker list, folder, all ${entries} entries (JSON), packed`, fmt(list.seconds), `${list.rssMiB} MiB`, ratio(list.seconds, cat.seconds)],
    [`packet locker list --tenant --since, folder, packed (${Math.round(entries / 20)} of ${entries} keys)`, fmt(listTenant.seconds), `${listTenant.rssMiB} MiB`, ratio(listTenant.seconds, cat.seconds)],
    [`packet locker list, S3, all ${s3Entries + 1} entries (JSON), no packs`, fmt(s3List.seconds), `${s3List.rssMiB} MiB`, ''],
    [`packet locker list, S3, all ${s3Entries + 1} entries (JSON), packed`, fmt(s3ListPacked.seconds), `${s3ListPacked.rssMiB} MiB`, ratio(s3ListPacked.seconds, s3List.seconds)],
  ];
  process.stdout.write(`${rows.map((row) => `| ${row.join(' | ')} |`).join('\n')}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
