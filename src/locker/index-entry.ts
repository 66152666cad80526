/**
 * Index entries: one small JSON object per packet, so that `list --tenant acme --since ...` finds
 * packets without downloading one. The key already names tenant, creation time and digest
 * (layout.ts); the body adds what a person looks for. Bodies are parsed as untrusted input.
 */
import { canonicalize } from 'json-canonicalize';
import { isDigest, isLabel, parseIndexKey, type IndexKeyParts } from './layout.js';
import type { RetentionMode } from './backend.js';
import { parseBoundedObject } from './json-object.js';

export const INDEX_FORMAT = 'evidence-packet/locker-index/v1';
export const MAX_INDEX_ENTRY_BYTES = 64 * 1024;

export interface IndexEntry {
  format: typeof INDEX_FORMAT;
  /** The packet digest: SHA-256 of its manifest.sha256. */
  digest: string;
  name: string;
  tenant?: string;
  environment?: string;
  operation?: string;
  created: string;
  /** Fingerprints of the signatures the packet carried when it was pushed. */
  signers: string[];
  /** SHA-256 and size of the stored bytes (the tar file): what pull checks. */
  object: { sha256: string; size: number };
  pushedAt: string;
  retention: { mode: RetentionMode; retainUntil: string };
}

export function serializeIndexEntry(entry: IndexEntry): Buffer {
  return Buffer.from(`${canonicalize(entry)}\n`, 'utf8');
}

/** Parse an index entry body; returns a reason instead of throwing when it is not one. */
export function parseIndexEntry(bytes: Buffer | string): IndexEntry | { problem: string } {
  const parsed = parseBoundedObject(bytes, MAX_INDEX_ENTRY_BYTES);
  if ('problem' in parsed) return parsed;
  const e = parsed.value;
  const object = e.object as Record<string, unknown> | undefined;
  const retention = e.retention as Record<string, unknown> | undefined;
  const text = (v: unknown, max = 256): v is string => typeof v === 'string' && v.length <= max;
  if (e.format !== INDEX_FORMAT) return { problem: 'unknown format' };
  if (!text(e.digest) || !isDigest(e.digest)) return { problem: 'bad digest' };
  if (!text(e.name) || !text(e.created) || !text(e.pushedAt)) return { problem: 'bad name or time' };
  for (const field of ['tenant', 'environment'] as const) if (e[field] !== undefined && !(text(e[field]) && isLabel(e[field] as string))) return { problem: `bad ${field}` };
  if (e.operation !== undefined && !text(e.operation)) return { problem: 'bad operation' };
  if (!Array.isArray(e.signers) || e.signers.length > 100 || !e.signers.every((s) => text(s, 64))) return { problem: 'bad signers' };
  if (typeof object !== 'object' || object === null || !text(object.sha256) || !isDigest(object.sha256) || !Number.isSafeInteger(object.size)) return { problem: 'bad object' };
  if (typeof retention !== 'object' || retention === null || (retention.mode !== 'COMPLIANCE' && retention.mode !== 'GOVERNANCE') || !text(retention.retainUntil)) return { problem: 'bad retention' };
  return e as unknown as IndexEntry;
}

/** The entry stored under `key`, checked against what the key says (tenant, digest). */
export function entryFromBytes(key: string, bytes: Buffer | string, parts: IndexKeyParts | undefined = parseIndexKey(key)): { entry?: IndexEntry; problem?: string } {
  const parsed = parseIndexEntry(bytes);
  if ('problem' in parsed) return { problem: parsed.problem };
  if (parts?.digest !== parsed.digest || parts.tenant !== parsed.tenant) return { problem: 'the entry does not match its key' };
  return { entry: parsed };
}
