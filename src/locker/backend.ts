/**
 * What the locker needs from a store. Two implementations share one layout (layout.ts): a folder
 * (no WORM guarantee: it records lock state and refuses what Object Lock would refuse, but anyone
 * with the file system can change it) and S3 with Object Lock.
 */
import type { Readable } from 'node:stream';
import type { ObjectDigest } from './hashing.js';

export type RetentionMode = 'COMPLIANCE' | 'GOVERNANCE';

/** The lock state of one object, as the store reports it (read back, never assumed). */
export interface LockState {
  mode?: RetentionMode;
  retainUntil?: Date;
  legalHold: boolean;
}

export interface LockRequest {
  mode: RetentionMode;
  retainUntil: Date;
  legalHold: boolean;
}

export interface StoredObject {
  key: string;
  /** Known from a listing on S3; a folder listing gives it only when asked for details. */
  size?: number;
  /** S3: the ETag from the listing, without quotes (the MD5 of an object written in one PUT). */
  etag?: string;
  /** Folder, when asked for details: the file's modification time in milliseconds. */
  modified?: number;
}

export interface LockerBackend {
  /** `folder /path` or `s3 http://host/bucket/prefix`, for messages. */
  readonly description: string;
  /** True only when the store itself enforces retention and legal hold (Object Lock). */
  readonly worm: boolean;
  /**
   * True when the store keeps lock state at all: a folder records it, S3 only with Object Lock.
   * A bucket without Object Lock (accepted only with s3.allowWithoutObjectLock) keeps none.
   */
  readonly locks: boolean;
  /** Check that the store is usable (S3: the bucket exists and has Object Lock, unless allowed). */
  open(): Promise<void>;
  /**
   * Store a (large) file under `key`, streaming; never overwrites an existing object. Lock state
   * is never sent with an upload: the caller sets it afterwards and reads it back. Returns the
   * SHA-256 and size of the bytes that were sent (see PutFileOptions).
   */
  putFile(key: string, file: string, options?: PutFileOptions): Promise<ObjectDigest>;
  /** Store small bytes under `key`; never overwrites: returns false when the key already exists. */
  putBytes(key: string, bytes: Buffer): Promise<boolean>;
  /** Size of the object, or undefined when absent. */
  head(key: string): Promise<{ key: string; size: number } | undefined>;
  /** Small objects only (index and ledger entries), bounded by `maxBytes`; undefined when absent. */
  getBytes(key: string, maxBytes: number): Promise<Buffer | undefined>;
  /** A stream of the object's bytes; undefined when absent. */
  getStream(key: string): Promise<Readable | undefined>;
  /**
   * Every object whose key starts with `prefix`, in key order. With `details`, a folder also
   * gives each file's size and modification time (one stat call per key). With `startAfter`, only
   * keys after it in byte order (S3's StartAfter): the store need not read the others.
   */
  list(prefix: string, details?: boolean, startAfter?: string): AsyncIterable<StoredObject>;
  getLock(key: string): Promise<LockState>;
  setRetention(key: string, mode: RetentionMode, retainUntil: Date): Promise<void>;
  setLegalHold(key: string, on: boolean): Promise<void>;
  close(): Promise<void>;
}

export interface PutFileOptions {
  onProgress?: (bytes: number) => void;
  /** Sees every chunk sent, in order, before it goes (it must not keep or change it). */
  onChunk?: (chunk: Buffer) => void;
  /**
   * Asked once every byte was read: the object is completed only if the promise it returns
   * resolves; if it rejects, nothing is stored.
   */
  complete?: () => Promise<void>;
}
