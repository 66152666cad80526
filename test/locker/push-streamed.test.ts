/**
 * Push reads a packet's contents once: the verification that runs alongside the upload judges each
 * entry by the SHA-256 of the bytes the upload sent (StreamedTarDigests), waiting for them to go
 * past, instead of reading and hashing the file a second time.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PutFileOptions } from '../../src/locker/backend.js';
import { folderLockerConfig } from '../../src/locker/config.js';
import { FolderBackend } from '../../src/locker/folder.js';
import { pushPacket } from '../../src/locker/push.js';
import { StreamedTarDigests } from '../../src/locker/streamed-digests.js';
import { makeTempDir } from '../helpers/cli.js';
import { fileEntryDigests } from '../helpers/entry-digests.js';
import { makePacket, NOW, type MadePacket } from './helpers.js';

const temp = makeTempDir('locker-push-streamed-');
let big: MadePacket;

beforeAll(async () => {
  const input = join(temp.path, 'BIG-input');
  mkdirSync(input, { recursive: true });
  writeFileSync(join(input, 'disk.img'), randomBytes(3 * 1024 * 1024));
  big = await makePacket(temp.path, 'BIG', { tenant: 'acme', created: '2026-03-03T10:00:00Z' });
});
afterAll(() => temp.cleanup());

function storedFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => !entry.isDirectory()).map((entry) => entry.name);
}

describe('StreamedTarDigests', () => {
  it('records every entry as the bytes go past and lets a reader wait for an offset', async () => {
    const bytes = readFileSync(big.file);
    const files = await fileEntryDigests(big.file);
    const disk = files.find((file) => file.path.endsWith('disk.img')) as (typeof files)[number];
    const sent = new StreamedTarDigests();
    let reached = false;
    const waiting = sent.reach(disk.offset + disk.size).then(() => {
      reached = true;
    });
    sent.update(bytes.subarray(0, disk.offset + 1000));
    await new Promise((resolve) => setImmediate(resolve));
    expect(reached).toBe(false);
    expect(sent.digests.lookup(disk.offset, disk.size)).toBeUndefined();
    sent.update(bytes.subarray(disk.offset + 1000));
    await waiting;
    expect(sent.digests.lookup(disk.offset, disk.size)).toBe(disk.sha256);
    for (const file of files) expect(sent.digests.lookup(file.offset, file.size), file.path).toBe(file.sha256);
  });

  it('stops every wait once no more bytes will come', async () => {
    const sent = new StreamedTarDigests();
    const waiting = sent.reach(1_000_000);
    sent.end();
    await waiting;
    await sent.reach(2_000_000);
  });
});

describe('push with the upload alongside', () => {
  /** A folder backend whose upload reports to the push's digests bytes other than those in the file (one payload byte flipped). */
  class FlippingBackend extends FolderBackend {
    override putFile(key: string, file: string, options: PutFileOptions = {}) {
      const at = readFileSync(file).indexOf('/disk.img\0');
      const flipAt = Math.floor(at / 512) * 512 + 512 + 2_000_000;
      let seen = 0;
      const onChunk = options.onChunk;
      return super.putFile(key, file, {
        ...options,
        onChunk: (chunk) => {
          const copy = Buffer.from(chunk);
          if (flipAt >= seen && flipAt < seen + chunk.length) copy[flipAt - seen] = (copy[flipAt - seen] as number) ^ 1;
          seen += chunk.length;
          onChunk?.(copy);
        },
      });
    }
  }

  it('judges the bytes the upload sent, not a second read of the file: a byte changed on the way is refused and nothing is stored', async () => {
    const dir = join(temp.path, 'flipped');
    const backend = new FlippingBackend(dir);
    await backend.open();
    const result = await pushPacket(backend, folderLockerConfig(dir), big.file, { now: NOW });
    expect(result.pushed).toBe(false);
    expect(result.report.checks.find((check) => check.code === 'FILE_MODIFIED')?.subject).toMatch(/disk\.img$/);
    expect(storedFiles(dir)).toEqual([]);
  });

  it('an upload that fails before sending anything does not leave the verification waiting', async () => {
    class FailingBackend extends FolderBackend {
      override async putFile(): Promise<never> {
        throw new Error('the store went away');
      }
    }
    const dir = join(temp.path, 'failing');
    const backend = new FailingBackend(dir);
    await backend.open();
    await expect(pushPacket(backend, folderLockerConfig(dir), big.file, { now: NOW })).rejects.toThrow('the store went away');
    expect(storedFiles(dir)).toEqual([]);
  });

  it('pushes an intact packet whose entries were all judged from the upload', async () => {
    const dir = join(temp.path, 'intact');
    const backend = new FolderBackend(dir);
    await backend.open();
    const result = await pushPacket(backend, folderLockerConfig(dir), big.file, { now: NOW });
    expect(result.pushed).toBe(true);
    expect(result.digest).toBe(big.digest);
    expect(readFileSync(join(dir, `packets/sha256/${big.digest}.packet.tar`)).equals(readFileSync(big.file))).toBe(true);
  });
});
