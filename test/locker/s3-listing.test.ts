/**
 * The listing parser (s3-listing.ts) against the SDK's own deserializer as the oracle: for every
 * document it accepts, it must read the same keys, sizes, ETags, truncation and token as the SDK;
 * whatever is outside its strict shape it must decline (the SDK then reads the page). No server:
 * the SDK is given a request handler that answers with the document.
 */
import { Readable } from 'node:stream';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { parseListingPage, readPagesHere, type ListingPage } from '../../src/locker/s3-listing.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const HEAD = '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>index/</Prefix><MaxKeys>1000</MaxKeys>';

function contents(key: string, size = '444', etag = '&quot;057f36988335edeb47541543d4618b7d&quot;'): string {
  return `<Contents><Key>${key}</Key><LastModified>2026-12-02T10:00:05.115Z</LastModified><ETag>${etag}</ETag><Size>${size}</Size><StorageClass>STANDARD</StorageClass><Type>Normal</Type></Contents>`;
}

/** What radosgw 16.2 sends (captured), with two entries. */
const RGW_PAGE = `${HEAD}<IsTruncated>true</IsTruncated>${contents('index/tenant-1/20250101T010000Z-6b86.json')}${contents('index/tenant-1/20250101T210000Z-6f4b.json', '446', '&quot;B0CFFD5B096FECCAFAF5BBB86C291EA8&quot;')}<NextContinuationToken>index/tenant-1/20250101T210000Z-6f4b.json</NextContinuationToken><KeyCount>2</KeyCount></ListBucketResult>`;

function client(body: string): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    forcePathStyle: true,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' },
    requestHandler: { handle: async () => ({ response: { statusCode: 200, headers: {}, body: Readable.from([Buffer.from(body)]) } }) } as never,
  });
}

/** The page as the SDK reads it, in the parser's terms. */
async function sdkRead(body: string): Promise<ListingPage> {
  const s3 = client(body);
  try {
    const answer = await s3.send(new ListObjectsV2Command({ Bucket: 'b', Prefix: 'index/' }));
    return {
      items: (answer.Contents ?? []).map((item) => ({ key: item.Key as string, size: item.Size as number, ...(item.ETag === undefined ? {} : { etag: item.ETag.replace(/"/g, '').toLowerCase() }) })),
      prefixes: (answer.CommonPrefixes ?? []).map((common) => common.Prefix as string),
      truncated: answer.IsTruncated === true,
      ...(answer.NextContinuationToken === undefined ? {} : { token: answer.NextContinuationToken }),
    };
  } finally {
    s3.destroy();
  }
}

const ACCEPTED: [string, string][] = [
  ['a radosgw page', RGW_PAGE],
  ['the last page, no token', `${HEAD}<IsTruncated>false</IsTruncated>${contents('a')}<KeyCount>1</KeyCount></ListBucketResult>`],
  ['an empty listing', `${HEAD}<IsTruncated>false</IsTruncated><KeyCount>0</KeyCount></ListBucketResult>`],
  ['character references in a key and the token', `${HEAD}<IsTruncated>true</IsTruncated>${contents('index/a&amp;b&#x2F;&#61;&lt;&gt;&apos;')}<NextContinuationToken>t&#43;k=</NextContinuationToken></ListBucketResult>`],
  ['pretty printed, with an Owner', `${HEAD}\n  <IsTruncated>false</IsTruncated>\n  <Contents>\n    <Key>k1</Key>\n    <Owner><ID>x</ID><DisplayName>y</DisplayName></Owner>\n    <ETag>"abc"</ETag>\n    <Size>0</Size>\n  </Contents>\n</ListBucketResult>\n`],
  ['common prefixes and empty elements', `${HEAD}<IsTruncated>false</IsTruncated><Delimiter>/</Delimiter><CommonPrefixes><Prefix>index/x/</Prefix></CommonPrefixes>${contents('k')}<StartAfter/></ListBucketResult>`],
  ['a listing with a delimiter (radosgw)', `${HEAD}<Delimiter>/</Delimiter><IsTruncated>false</IsTruncated>${contents('index/a.json')}<CommonPrefixes><Prefix>index/tenant-0/</Prefix></CommonPrefixes><CommonPrefixes><Prefix>index/tenant-1/</Prefix></CommonPrefixes></ListBucketResult>`],
];

const DECLINED: [string, string][] = [
  ['a common prefix without its Prefix', `${HEAD}<IsTruncated>false</IsTruncated><CommonPrefixes></CommonPrefixes></ListBucketResult>`],
  ['a common prefix given twice in one element', `${HEAD}<IsTruncated>false</IsTruncated><CommonPrefixes><Prefix>a/</Prefix><Prefix>b/</Prefix></CommonPrefixes></ListBucketResult>`],
  ['a common prefix with a space', `${HEAD}<IsTruncated>false</IsTruncated><CommonPrefixes><Prefix>a b/</Prefix></CommonPrefixes></ListBucketResult>`],
  ['an empty common prefix element', `${HEAD}<IsTruncated>false</IsTruncated><CommonPrefixes/></ListBucketResult>`],
  ['a comment', `${HEAD}<!-- x --><IsTruncated>false</IsTruncated></ListBucketResult>`],
  ['a CDATA key', `${HEAD}<IsTruncated>false</IsTruncated><Contents><Key><![CDATA[k]]></Key><Size>1</Size></Contents></ListBucketResult>`],
  ['a DOCTYPE', `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "index/">]>${HEAD.slice(38)}<IsTruncated>false</IsTruncated>${contents('&e;k')}</ListBucketResult>`],
  ['an unknown entity', `${HEAD}<IsTruncated>false</IsTruncated>${contents('&nbsp;k')}</ListBucketResult>`],
  ['a lone ampersand', `${HEAD}<IsTruncated>false</IsTruncated>${contents('a&b')}</ListBucketResult>`],
  ['URL-encoded keys', `${HEAD}<EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>${contents('a%20b')}</ListBucketResult>`],
  ['a key with a space', `${HEAD}<IsTruncated>false</IsTruncated>${contents('a b')}</ListBucketResult>`],
  ['a key beyond ASCII', `${HEAD}<IsTruncated>false</IsTruncated>${contents('index/caf\u00e9')}</ListBucketResult>`],
  ['an entry without a key', `${HEAD}<IsTruncated>false</IsTruncated><Contents><Size>1</Size></Contents></ListBucketResult>`],
  ['an entry without a size', `${HEAD}<IsTruncated>false</IsTruncated><Contents><Key>k</Key></Contents></ListBucketResult>`],
  ['a key given twice', `${HEAD}<IsTruncated>false</IsTruncated><Contents><Key>k</Key><Key>j</Key><Size>1</Size></Contents></ListBucketResult>`],
  ['a key holding an element', `${HEAD}<IsTruncated>false</IsTruncated><Contents><Key>k<b>x</b></Key><Size>1</Size></Contents></ListBucketResult>`],
  ['text beside elements', `${HEAD}<IsTruncated>false</IsTruncated><Contents>junk<Key>k</Key><Size>1</Size></Contents></ListBucketResult>`],
  ['a key given as an attribute too', `${HEAD}<IsTruncated>false</IsTruncated><Contents Key="evil"><Key>good</Key><Size>1</Size></Contents></ListBucketResult>`],
  ['IsTruncated and a token as attributes of the root', `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult IsTruncated="true" NextContinuationToken="zz"><IsTruncated>false</IsTruncated>${contents('k')}</ListBucketResult>`],
  ['an entry made of attributes', `${HEAD}<IsTruncated>false</IsTruncated>${contents('k')}<Contents Key="evil" Size="1"/></ListBucketResult>`],
  ['an attribute on a field', `${HEAD}<IsTruncated>false</IsTruncated><Contents><Key>k</Key><Size x="1">1</Size></Contents></ListBucketResult>`],
  ['a negative size', `${HEAD}<IsTruncated>false</IsTruncated>${contents('k', '-1')}</ListBucketResult>`],
  ['no IsTruncated', `${HEAD}${contents('k')}</ListBucketResult>`],
  ['IsTruncated not a boolean', `${HEAD}<IsTruncated>yes</IsTruncated></ListBucketResult>`],
  ['an unclosed document', `${HEAD}<IsTruncated>false</IsTruncated>${contents('k')}`],
  ['mismatched tags', `${HEAD}<IsTruncated>false</Truncated></ListBucketResult>`],
  ['another root', '<?xml version="1.0"?><Error><Code>x</Code></Error>'],
  ['something after the root', `${HEAD}<IsTruncated>false</IsTruncated></ListBucketResult><ListBucketResult></ListBucketResult>`],
  ['a processing instruction', `${HEAD}<?x y?><IsTruncated>false</IsTruncated></ListBucketResult>`],
  ['single-quoted attributes', `<ListBucketResult xmlns='x'><IsTruncated>false</IsTruncated></ListBucketResult>`],
];

describe('the listing page parser', () => {
  it.each(ACCEPTED)('reads %s as the SDK does', async (_name, xml) => {
    const page = parseListingPage(xml);
    expect(page).toBeDefined();
    expect(page).toEqual(await sdkRead(xml));
  });

  it.each(DECLINED)('leaves %s to the SDK', (_name, xml) => {
    expect(parseListingPage(xml)).toBeUndefined();
  });

  it('reads the page through the SDK request (signing, sending) and leaves the SDK an empty page', async () => {
    const s3 = client(RGW_PAGE);
    try {
      const command = new ListObjectsV2Command({ Bucket: 'b', Prefix: 'index/' });
      const readHere = readPagesHere(command);
      const answer = await s3.send(command);
      expect(answer.Contents ?? []).toEqual([]);
      expect(readHere()).toEqual(await sdkRead(RGW_PAGE));
    } finally {
      s3.destroy();
    }
  });

  it('hands a page it declines to the SDK unchanged', async () => {
    const xml = (DECLINED.find(([name]) => name === 'a key with a space') as [string, string])[1];
    const s3 = client(xml);
    try {
      const command = new ListObjectsV2Command({ Bucket: 'b', Prefix: 'index/' });
      const readHere = readPagesHere(command);
      const answer = await s3.send(command);
      expect(readHere()).toBeUndefined();
      expect(answer.Contents?.map((item) => item.Key)).toEqual(['a b']);
    } finally {
      s3.destroy();
    }
  });
});
