/**
 * The local radosgw the S3 tests run against: started by scripts/ceph-local.sh (which .ci/run
 * calls), found through PACKET_TEST_RADOSGW_ENV, the env file that script writes. Without it the
 * S3 tests skip, saying so; in CI they must run.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

export interface Radosgw {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
}

function load(): Radosgw | { missing: string } {
  const file = process.env.PACKET_TEST_RADOSGW_ENV;
  if (file === undefined || file === '') return { missing: 'PACKET_TEST_RADOSGW_ENV is not set (start one with scripts/ceph-local.sh start DIR, then export PACKET_TEST_RADOSGW_ENV=DIR/env)' };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { missing: `${file} is unreadable: is the local radosgw running?` };
  }
  const values = Object.fromEntries(text.split('\n').filter((line) => line.includes('=')).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  const endpoint = values.PACKET_TEST_S3_ENDPOINT;
  const accessKeyId = values.PACKET_TEST_S3_ACCESS_KEY_ID;
  const secretAccessKey = values.PACKET_TEST_S3_SECRET_ACCESS_KEY;
  if (endpoint === undefined || accessKeyId === undefined || secretAccessKey === undefined) return { missing: `${file} does not name an endpoint and keys` };
  return { endpoint, accessKeyId, secretAccessKey };
}

const loaded = load();
export const radosgw: Radosgw | undefined = 'missing' in loaded ? undefined : loaded;
export const radosgwMissing: string | undefined = 'missing' in loaded ? loaded.missing : undefined;
export const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
if (radosgw === undefined) console.warn(`locker S3 tests against radosgw skipped: ${radosgwMissing ?? ''}`);

export function s3Client(server: Radosgw, endpoint = server.endpoint): S3Client {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  });
}

/** A new bucket with a unique name, with or without Object Lock. */
export async function makeBucket(client: S3Client, prefix: string, objectLock: boolean): Promise<string> {
  const bucket = `${prefix}-${randomBytes(4).toString('hex')}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket, ...(objectLock ? { ObjectLockEnabledForBucket: true } : {}) }));
  return bucket;
}

export function lockerFile(server: Radosgw, bucket: string, extra = '', endpoint = server.endpoint): string {
  return `apiVersion: evidence-packet/v1
kind: Locker
backend: s3
s3:
  endpoint: ${endpoint}
  region: us-east-1
  bucket: ${bucket}
  pathStyle: true
  partSizeMiB: 5
${extra}retention:
  default: { mode: GOVERNANCE, days: 1 }
  rules:
    - match: { tenant: acme, environment: prod }
      mode: COMPLIANCE
      days: 1
`;
}

export function credentialsEnv(server: Radosgw, home: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: home, AWS_ACCESS_KEY_ID: server.accessKeyId, AWS_SECRET_ACCESS_KEY: server.secretAccessKey };
}
