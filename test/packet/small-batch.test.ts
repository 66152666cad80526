/**
 * prepareBatch (src/packet/small-batch.ts): what a payload worker does to a batch of small
 * files. Each entry must read back as a tar entry of the bytes its manifest line hashes; files too
 * large, links swapped in after the listing and special files are handled without following or
 * blocking.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SMALL_FILE_MAX } from '../../src/packet/payload.js';
import { prepareBatch, type BatchOptions } from '../../src/packet/small-batch.js';
import { defaultRuleSet } from '../../src/redact/index.js';
import { makeTempDir } from '../helpers/cli.js';

const temp = makeTempDir('packet-batch-');
afterAll(() => temp.cleanup());
const options: BatchOptions = { rules: defaultRuleSet(), strict: false, spoolDir: '', mode: 0o644, mtime: new Date('2026-01-31T12:00:00Z') };
const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('prepareBatch', () => {
  const dir = join(temp.path, 'in');
  mkdirSync(dir);
  const longName = `${'ü'.repeat(60)}-${'d'.repeat(90)}.log`; // non-ASCII and long: a pax header
  const files = [
    { name: 'plain.log', body: 'all checks green\n' },
    { name: 'secret.log', body: 'connecting to postgres://app:s3cr3t-value@db.internal:5432/app\n' },
    { name: longName, body: 'long name, kept as it is\n' },
    { name: 'state.json', body: '{ "b": 1, "a": 2 }' },
    { name: 'blob.bin', body: '\u0000\u0001binary' },
  ];
  for (const f of files) writeFileSync(join(dir, f.name), f.body);
  writeFileSync(join(dir, 'big.img'), '');
  truncateSync(join(dir, 'big.img'), SMALL_FILE_MAX + 1);

  it('formats each file as a tar entry whose content its manifest line hashes, and leaves a large file to the caller', () => {
    const names = [...files.map((f) => f.name), 'big.img'];
    const batch = prepareBatch({ sources: names.map((n) => join(dir, n)), paths: names.map((n) => `payload/in/${n}`) }, options, undefined, true);
    expect(batch.failure).toBeUndefined();
    expect(batch.large).toEqual([{ index: 5, source: join(dir, 'big.img'), path: 'payload/in/big.img' }]);
    expect(batch.contentAt[5]).toBe(-1);
    const lines = Buffer.from(batch.lines).toString('utf8').split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(5);
    for (let i = 0; i < 5; i += 1) {
      const at = batch.contentAt[i] as number;
      const content = batch.tar.subarray(at, at + (batch.sizes[i] as number));
      expect(lines[i]).toBe(`${sha(content)}  payload/in/${names[i] as string}`);
    }
    const text = (i: number): string => Buffer.from(batch.tar.subarray(batch.contentAt[i], (batch.contentAt[i] as number) + (batch.sizes[i] as number))).toString('utf8');
    expect(text(1)).not.toContain('s3cr3t-value');
    expect(text(2)).toBe('long name, kept as it is\n');
    expect(text(3)).toBe('{"a":2,"b":1}');
    expect(batch.notes.map((n) => [n.index, n.binary === true, (n.records ?? []).length > 0])).toEqual([
      [1, false, true],
      [4, true, false],
    ]);
    // GNU tar reads the entries (with the end-of-archive blocks added) as the same files.
    const tarPath = join(temp.path, 'batch.tar');
    writeFileSync(tarPath, Buffer.concat([batch.tar, Buffer.alloc(1024)]));
    const listed = execFileSync('tar', ['-tf', tarPath], { encoding: 'utf8' }).trim().split('\n');
    expect(listed).toEqual(files.map((f) => `payload/in/${f.name}`));
    const out = join(temp.path, 'x');
    mkdirSync(out);
    execFileSync('tar', ['-xf', tarPath, '-C', out]);
    expect(execFileSync('cat', [join(out, 'payload/in', longName)], { encoding: 'utf8' })).toBe('long name, kept as it is\n');
  });

  it('gives the same bytes when it fills memory handed back from an earlier batch', () => {
    const request = { sources: files.map((f) => join(dir, f.name)), paths: files.map((f) => `payload/in/${f.name}`) };
    const first = prepareBatch(request, options);
    const again = prepareBatch(request, options, prepareBatch(request, options).tar.buffer as ArrayBuffer);
    expect(Buffer.from(again.tar).equals(Buffer.from(first.tar))).toBe(true);
    expect(Buffer.from(again.lines).equals(Buffer.from(first.lines))).toBe(true);
  });

  it('refuses a link where the listing saw a file, without following it, and stops there', () => {
    writeFileSync(join(temp.path, 'outside.txt'), 'not evidence\n');
    symlinkSync(join(temp.path, 'outside.txt'), join(dir, 'swapped.log'));
    const batch = prepareBatch({ sources: [join(dir, 'plain.log'), join(dir, 'swapped.log'), join(dir, 'secret.log')], paths: ['payload/a', 'payload/b', 'payload/c'] }, options);
    expect(batch.failure?.index).toBe(1);
    expect(batch.failure?.error).toMatchObject({ packet: true, code: 'FILE_CHANGED' });
    expect(Buffer.from(batch.tar).includes('not evidence')).toBe(false);
  });

  // A /proc file is a regular file whose size reads 0 while it holds text: the shape of a file that
  // grew after its size was taken. Reading only as many bytes as the size said would pack it cut short.
  it.runIf(existsSync('/proc/self/status'))('refuses a file that holds more than its size said', () => {
    const batch = prepareBatch({ sources: [join(dir, 'plain.log'), '/proc/self/status'], paths: ['payload/a', 'payload/b'] }, options);
    expect(batch.failure?.index).toBe(1);
    expect(batch.failure?.error).toMatchObject({ packet: true, code: 'FILE_CHANGED' });
  });

  it('refuses a FIFO without blocking on it', () => {
    const fifo = join(dir, 'pipe.log');
    execFileSync('mkfifo', [fifo]);
    const batch = prepareBatch({ sources: [fifo], paths: ['payload/pipe.log'] }, options);
    expect(batch.failure?.error).toMatchObject({ packet: true, code: 'FILE_CHANGED' });
  });
});
