/**
 * The S3 backend, with Object Lock: the real thing. Written against AWS S3 and checked against
 * Ceph radosgw 16.2 (scripts/ceph-local.sh), which differs in ways this code must survive:
 *
 * - it ignores Object Lock headers on multipart uploads, so lock state is never sent with an
 *   upload and never trusted from one: retention and legal hold are set by their own calls
 *   afterwards and read back (locker code asserts, see lockAndConfirm in push.ts);
 * - it ignores x-amz-checksum-* (a wrong one is accepted) and answers CompleteMultipartUpload with
 *   an empty ETag, so integrity is checked by hashing what comes back, never by server checksums;
 * - it does not implement GetObjectAttributes (HeadObject is used instead);
 * - its aws-chunked upload support answers 411, so checksums are computed only when an operation
 *   requires them (requestChecksumCalculation / responseChecksumValidation WHEN_REQUIRED).
 */
import { formatRfc3339 } from '../core/time.js';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { ListObjectsV2CommandOutput, S3Client as S3ClientType } from '@aws-sdk/client-s3';
import { PacketError, usageError } from '../core/errors.js';
import type { LockerBackend, LockState, PutFileOptions, RetentionMode, StoredObject } from './backend.js';
import type { S3Settings } from './config.js';
import { credentialsMissing, errorName, LockRefusedError, storageError } from './errors.js';
import { ObjectExistsError } from './folder.js';
import { hashingFileStream, type ObjectDigest } from './hashing.js';
import { onInterrupt } from './interrupt.js';
import { listSideBySide } from './s3-fanout.js';
import { readBounded, readPagesHere, type ListingItem, type ListingPage } from './s3-listing.js';

/**
 * The SDK is CommonJS, loaded with require: imported as an ES module, Node also scans its sources
 * for module syntax and export names first, about 0.1 s of CPU more on every run.
 */
const require = createRequire(import.meta.url);
const {
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  S3Client,
} = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');

export interface S3BackendOptions {
  /** The environment credentials and profile are looked up in (tests pass their own). */
  env: NodeJS.ProcessEnv;
  /** Overrides the endpoint of the settings (tests route through a fault-injecting proxy). */
  endpoint?: string;
}

export class S3Backend implements LockerBackend {
  private objectLock = false;
  readonly description: string;
  private readonly client: S3ClientType;

  constructor(
    private readonly settings: S3Settings,
    options: S3BackendOptions,
  ) {
    const endpoint = options.endpoint ?? settings.endpoint;
    this.description = `s3 ${endpoint ?? `https://s3.${settings.region}.amazonaws.com`}/${settings.bucket}/${settings.prefix}`;
    const profile = settings.profile ?? nonEmpty(options.env.AWS_PROFILE);
    const fromEnv = nonEmpty(options.env.AWS_ACCESS_KEY_ID) !== undefined && nonEmpty(options.env.AWS_SECRET_ACCESS_KEY) !== undefined;
    if (!fromEnv && profile === undefined) throw credentialsMissing();
    // The SDK warns on every run that its releases after January 2027 will need Node 22; this
    // project pins its SDK version, so the warning would only clutter the command's output.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.client = new S3Client({
      region: settings.region,
      forcePathStyle: settings.pathStyle,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
      // Without these the SDK waits forever on a store that accepts a request and then goes
      // silent (a Ceph cluster whose disks are full does): each attempt fails after the idle time.
      requestHandler: { connectionTimeout: settings.connectTimeoutSeconds * 1000, socketTimeout: settings.idleTimeoutSeconds * 1000 },
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(fromEnv
        ? {
            credentials: {
              accessKeyId: options.env.AWS_ACCESS_KEY_ID as string,
              secretAccessKey: options.env.AWS_SECRET_ACCESS_KEY as string,
              ...(nonEmpty(options.env.AWS_SESSION_TOKEN) === undefined ? {} : { sessionToken: options.env.AWS_SESSION_TOKEN as string }),
            },
          }
        : { profile }),
    });
  }

  /** Known after open(): whether the bucket has Object Lock. */
  get worm(): boolean {
    return this.objectLock;
  }

  get locks(): boolean {
    return this.objectLock;
  }

  async open(): Promise<void> {
    const { bucket } = this.settings;
    // Sent together (one round trip, not two: every command pays it); the bucket's error comes first.
    const lockConfiguration = this.client.send(new GetObjectLockConfigurationCommand({ Bucket: bucket })).then(
      (answer) => answer.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled',
      (error: unknown) => {
        if (errorName(error) !== 'ObjectLockConfigurationNotFoundError') throw storageError('read the Object Lock configuration', this.description, error);
        return false;
      },
    );
    lockConfiguration.catch(() => undefined);
    await this.call('open the bucket', () => this.client.send(new HeadBucketCommand({ Bucket: bucket })));
    const enabled = await lockConfiguration;
    this.objectLock = enabled;
    if (!enabled && !this.settings.allowWithoutObjectLock) {
      throw usageError('LOCKER_NO_OBJECT_LOCK', `bucket ${bucket} does not have Object Lock enabled: packets there could be changed or deleted`, {
        hint: 'create the bucket with Object Lock enabled, or set s3.allowWithoutObjectLock: true to accept a store without WORM guarantee',
      });
    }
  }

  async putFile(key: string, file: string, options: PutFileOptions = {}): Promise<ObjectDigest> {
    if ((await this.head(key)) !== undefined) throw new ObjectExistsError(key);
    const source = hashingFileStream(file, options);
    // Loaded here: only push uploads, and list and pull should not pay for loading it.
    const { Upload } = require('@aws-sdk/lib-storage') as typeof import('@aws-sdk/lib-storage');
    const upload = new Upload({
      client: this.client,
      partSize: this.settings.partSizeMiB * 1024 * 1024,
      queueSize: this.settings.queueSize,
      leavePartsOnError: false,
      params: { Bucket: this.settings.bucket, Key: this.key(key), Body: source.stream, ContentType: 'application/x-tar' },
    });
    // Interrupted, the multipart upload is aborted so that no parts are left behind.
    const done = onInterrupt(() => upload.abort());
    try {
      await this.call('upload the packet', () => upload.done());
    } finally {
      done();
    }
    return source.digest();
  }

  async putBytes(key: string, bytes: Buffer): Promise<boolean> {
    if ((await this.head(key)) !== undefined) return false;
    const md5 = createHash('md5').update(bytes).digest('base64');
    await this.call(`write ${key}`, () =>
      this.client.send(new PutObjectCommand({ Bucket: this.settings.bucket, Key: this.key(key), Body: bytes, ContentMD5: md5, ContentType: 'application/json' })),
    );
    return true;
  }

  async head(key: string): Promise<{ key: string; size: number } | undefined> {
    try {
      const answer = await this.client.send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key: this.key(key) }));
      return { key, size: answer.ContentLength ?? 0 };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw storageError(`look up ${key}`, this.description, error);
    }
  }

  async getBytes(key: string, maxBytes: number): Promise<Buffer | undefined> {
    const stream = await this.getStream(key, maxBytes);
    if (stream === undefined) return undefined;
    return readBounded(stream, maxBytes, key);
  }

  async getStream(key: string, maxBytes?: number): Promise<Readable | undefined> {
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.key(key) }));
      if (maxBytes !== undefined && (answer.ContentLength ?? 0) > maxBytes) {
        (answer.Body as Readable | undefined)?.destroy();
        throw new Error(`${key} is ${answer.ContentLength} bytes; the limit is ${maxBytes}`);
      }
      const body = answer.Body;
      if (body instanceof Readable) return body;
      throw new Error('the SDK returned a body that is not a Node.js stream');
    } catch (error) {
      if (isNotFound(error)) return undefined;
      if (error instanceof Error && /bytes; the limit|not a Node/.test(error.message)) throw error;
      throw storageError(`read ${key}`, this.description, error);
    }
  }

  async *list(prefix: string, _details?: boolean, startAfter?: string): AsyncIterable<StoredObject> {
    const full = this.key(prefix);
    // A folder's subfolders are listed side by side; a listing from a key is one listing.
    const items = startAfter === undefined && full.endsWith('/') ? listSideBySide((folder, token, delimited) => this.listPage(folder, token, undefined, delimited), full) : this.listFlat(full, startAfter === undefined ? undefined : this.key(startAfter));
    for await (const item of items) {
      if (!item.key.startsWith(this.settings.prefix)) continue;
      yield { key: item.key.slice(this.settings.prefix.length), size: item.size, ...(item.etag === undefined ? {} : { etag: item.etag }) };
    }
  }

  private async *listFlat(full: string, startAfter: string | undefined): AsyncGenerator<ListingItem> {
    let token: string | undefined;
    do {
      const page = await this.listPage(full, token, startAfter, false);
      yield* page.items;
      token = page.truncated ? page.token : undefined;
    } while (token !== undefined);
  }

  /** One page of a listing: from `token`, else after `startAfter`; with `/` as delimiter when `delimited`. */
  private async listPage(full: string, token: string | undefined, startAfter: string | undefined, delimited: boolean): Promise<ListingPage> {
    const from = token !== undefined ? { ContinuationToken: token } : startAfter !== undefined ? { StartAfter: startAfter } : {};
    const command = new ListObjectsV2Command({ Bucket: this.settings.bucket, Prefix: full, ...from, ...(delimited ? { Delimiter: '/' } : {}) });
    const readHere = readPagesHere(command);
    const answer = await this.call('list the locker', () => this.client.send(command));
    return readHere() ?? sdkPage(answer);
  }

  async getLock(key: string): Promise<LockState> {
    const input = { Bucket: this.settings.bucket, Key: this.key(key) };
    // Two independent reads, sent together: a push reads lock state back six times.
    const [retention, hold] = await Promise.all([
      this.client.send(new GetObjectRetentionCommand(input)).catch((error: unknown) => {
        if (isNoLock(error)) return undefined;
        throw storageError(`read the retention of ${key}`, this.description, error);
      }),
      this.client.send(new GetObjectLegalHoldCommand(input)).catch((error: unknown) => {
        if (isNoLock(error)) return undefined;
        throw storageError(`read the legal hold of ${key}`, this.description, error);
      }),
    ]);
    const state: LockState = { legalHold: hold?.LegalHold?.Status === 'ON' };
    const mode = retention?.Retention?.Mode;
    if (mode === 'COMPLIANCE' || mode === 'GOVERNANCE') state.mode = mode;
    if (retention?.Retention?.RetainUntilDate !== undefined) state.retainUntil = new Date(retention.Retention.RetainUntilDate);
    return state;
  }

  async setRetention(key: string, mode: RetentionMode, retainUntil: Date): Promise<void> {
    try {
      await this.client.send(new PutObjectRetentionCommand({ Bucket: this.settings.bucket, Key: this.key(key), Retention: { Mode: mode, RetainUntilDate: retainUntil } }));
    } catch (error) {
      if (errorName(error) === 'AccessDenied' || errorName(error) === 'InvalidRequest') {
        throw new LockRefusedError(`${this.description} refused to set ${mode} retention until ${formatRfc3339(retainUntil)} on ${key} (${errorName(error)})`, { cause: error });
      }
      throw storageError(`set the retention of ${key}`, this.description, error);
    }
  }

  async setLegalHold(key: string, on: boolean): Promise<void> {
    await this.call(`set the legal hold of ${key}`, () =>
      this.client.send(new PutObjectLegalHoldCommand({ Bucket: this.settings.bucket, Key: this.key(key), LegalHold: { Status: on ? 'ON' : 'OFF' } })),
    );
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private key(key: string): string {
    return this.settings.prefix + key;
  }

  private async call<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      // Our own refusal, raised inside an upload's body (a packet file changed), is not the store's.
      if (error instanceof PacketError) throw error;
      throw storageError(action, this.description, error);
    }
  }
}

/** A listing page as the SDK read it (when s3-listing.ts left it to the SDK). */
function sdkPage(answer: ListObjectsV2CommandOutput): ListingPage {
  const items: ListingItem[] = [];
  for (const item of answer.Contents ?? []) {
    if (item.Key === undefined) continue;
    const etag = item.ETag?.replace(/"/g, '').toLowerCase();
    items.push({ key: item.Key, size: item.Size ?? 0, ...(etag === undefined ? {} : { etag }) });
  }
  const prefixes = (answer.CommonPrefixes ?? []).flatMap((common) => (common.Prefix === undefined ? [] : [common.Prefix]));
  return { items, prefixes, truncated: answer.IsTruncated === true, ...(answer.NextContinuationToken === undefined ? {} : { token: answer.NextContinuationToken }) };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function isNotFound(error: unknown): boolean {
  const name = errorName(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  return name === 'NotFound' || name === 'NoSuchKey' || status === 404;
}

function isNoLock(error: unknown): boolean {
  const name = errorName(error);
  return name === 'NoSuchObjectLockConfiguration' || name === 'ObjectLockConfigurationNotFoundError' || isNotFound(error);
}
