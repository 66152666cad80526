// The alternative the locker push and pull are compared with: a plain `aws s3 cp`-style transfer of
// the same file with the AWS SDK (same client settings, part size and parallelism), nothing more.
//   node bench/locker-plain.mjs upload FILE BUCKET KEY
//   node bench/locker-plain.mjs download BUCKET KEY OUT
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const [action, ...args] = process.argv.slice(2);
const client = new S3Client({
  region: 'us-east-1',
  endpoint: process.env.BENCH_S3_ENDPOINT,
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
const partSize = Number(process.env.BENCH_PART_MIB ?? '16') * 1024 * 1024;
if (action === 'upload') {
  const [file, bucket, key] = args;
  await new Upload({ client, partSize, queueSize: 4, leavePartsOnError: false, params: { Bucket: bucket, Key: key, Body: createReadStream(file) } }).done();
} else if (action === 'download') {
  const [bucket, key, out] = args;
  const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  await pipeline(answer.Body, createWriteStream(out));
} else {
  throw new Error('usage: locker-plain.mjs upload FILE BUCKET KEY | download BUCKET KEY OUT');
}
client.destroy();
