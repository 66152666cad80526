import { openSync, closeSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, parseManifest } from '../../src/packet/index.js';
import { ManifestChanged, ManifestFile, type ManifestScan } from '../../src/packet/manifest-file.js';
import { makeTempDir } from '../helpers/cli.js';

/**
 * The manifest as the verifier holds it: on disk, checked in one streaming pass, looked up a
 * block at a time. It must judge exactly as the in-memory parser does, find every line, and
 * refuse to believe bytes that changed after the check.
 */

const temp = makeTempDir('packet-manifest-file-');
afterAll(() => temp.cleanup());

const hex = (i: number): string => (i.toString(16).padStart(8, '0') + 'ab').repeat(7).slice(0, 64);
/** `count` sorted payload lines, each path padded so the whole manifest passes `bytes` when asked. */
function manifestText(count: number, pad = 0): { text: string; paths: string[] } {
  const paths: string[] = [];
  for (let i = 0; i < count; i += 1) paths.push(`payload/d${String(Math.floor(i / 100)).padStart(4, '0')}/f${String(i).padStart(7, '0')}${'x'.repeat(pad)}.log`);
  paths.unshift('VERIFY.md', 'packet.json');
  return { text: paths.map((p, i) => `${hex(i)}  ${p}\n`).join(''), paths };
}

let fileNo = 0;
function scanBytes(bytes: Buffer, prefix = Buffer.alloc(0)): ManifestScan | undefined {
  fileNo += 1;
  const file = join(temp.path, `m${fileNo}`);
  // Behind a prefix, as the manifest sits inside a tar file.
  writeFileSync(file, Buffer.concat([prefix, bytes, Buffer.from('trailing bytes of the tar')]));
  return ManifestFile.scan({ file, offset: prefix.length, size: bytes.length }, DEFAULT_LIMITS, 1000, true);
}

describe('ManifestFile', () => {
  it('judges every malformed manifest with the same codes and lines as parseManifest', () => {
    const good = manifestText(3).text;
    const cases: string[] = [
      good,
      '',
      good.replace('\n', '\r\n'),
      good.slice(0, -1),
      good.replace('payload/d0000/f0000001', 'payload/d0000/f0000009'), // out of order
      good.replace('payload/d0000/f0000001', 'payload/d0000/f0000000'), // listed twice
      good.replace(hex(2), hex(2).toUpperCase()),
      good.replace(`${hex(3)}  `, `${hex(3)} `),
      good.replace('payload/d0000/f0000000.log', 'payload/../f.log'),
      good.replace('payload/d0000/f0000000.log', 'payload/Cafe\u0301.log'),
      `${good}${hex(9)}  payload/zz\n`.replace(hex(9), 'not hex'),
    ];
    for (const text of cases) {
      const expected = parseManifest(Buffer.from(text, 'utf8'));
      const scan = scanBytes(Buffer.from(text, 'utf8')) as ManifestScan;
      expect(scan.ok, text).toBe(expected.ok);
      if (!scan.ok && !expected.ok) {
        expect(scan.problems.map((p) => [p.code, p.line]), text).toEqual(expected.problems.map((p) => [p.code, p.line]));
      }
    }
    const badUtf8 = Buffer.concat([Buffer.from(good), Buffer.from(`${hex(9)}  payload/z`), Buffer.from([0xff, 0x0a])]);
    const scan = scanBytes(badUtf8) as ManifestScan;
    expect(scan.ok).toBe(false);
    if (!scan.ok) expect(scan.problems.map((p) => p.code)).toEqual(['MANIFEST_BAD_UTF8']);
  });

  it('finds every line of a manifest larger than one read, with its digest, and only those', () => {
    // About 1.6 MB: lines cross the 1 MiB read boundary, and there are hundreds of 64-line blocks.
    const { text, paths } = manifestText(20_000);
    const bytes = Buffer.from(text, 'utf8');
    const scan = scanBytes(bytes, Buffer.alloc(1536, 7)) as ManifestScan;
    expect(scan.ok).toBe(true);
    if (!scan.ok) return;
    expect(scan.bytes?.equals(bytes)).toBe(true);
    const manifest = scan.manifest;
    try {
      expect(manifest.size).toBe(paths.length);
      expect(manifest.payloadCount).toBe(20_000);
      // In order (as a packet's entries come), then in a scattered order.
      for (const [i, path] of paths.entries()) expect(manifest.find(path)).toEqual({ line: i, sha256: hex(i) });
      for (let i = paths.length - 1; i >= 0; i -= 997) {
        expect(manifest.find(paths[i] as string)).toEqual({ line: i, sha256: hex(i) });
        expect(manifest.path(i)).toBe(paths[i]);
      }
      for (const absent of ['', 'VERIFY.mc', 'payload/d0000/f0000000.lo', 'payload/d0000/f0000000.logx', 'payload/d0199/f0019999.logz', 'zzz', 'A']) {
        expect(manifest.find(absent), absent).toBeUndefined();
      }
      expect(manifest.hasPrefix('payload/')).toBe(true);
      expect(manifest.hasPrefix('payload/d0064/')).toBe(true);
      expect(manifest.hasPrefix('payload/d0199/')).toBe(true);
      expect(manifest.hasPrefix('payload/d0200/')).toBe(false);
      expect(manifest.hasPrefix('payload/d00/')).toBe(false);
      expect(manifest.hasPrefix('A/')).toBe(false);
      expect(manifest.listsUnsealed(0)).toBe(false);
    } finally {
      manifest.close();
    }
  });

  it('marks lines that list signatures, keys or other unsealed files', () => {
    const text = `${hex(0)}  VERIFY.md\n${hex(1)}  keys/K.asc\n${hex(2)}  packet.json\n${hex(3)}  payload/a\n`;
    const scan = scanBytes(Buffer.from(text)) as ManifestScan;
    expect(scan.ok).toBe(true);
    if (!scan.ok) return;
    expect([0, 1, 2, 3].map((i) => scan.manifest.listsUnsealed(i))).toEqual([false, true, false, false]);
    scan.manifest.close();
  });

  it('refuses a block whose bytes changed on disk after the check, instead of believing them', () => {
    const { text, paths } = manifestText(1000);
    fileNo += 1;
    const file = join(temp.path, `m${fileNo}`);
    writeFileSync(file, text);
    const scan = ManifestFile.scan({ file, offset: 0, size: Buffer.byteLength(text) }, DEFAULT_LIMITS, 1000, false) as ManifestScan;
    expect(scan.ok).toBe(true);
    if (!scan.ok) return;
    expect(scan.bytes).toBeUndefined();
    const target = paths[500] as string;
    // A digest rewritten to the one an attacker's file would have, after the check: same size.
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.from('f'.repeat(64)), 0, 64, text.indexOf(`  ${target}\n`) - 64);
    closeSync(fd);
    expect(() => scan.manifest.find(target)).toThrow(ManifestChanged);
    // Lines in blocks that did not change are still found.
    expect(scan.manifest.find(paths[2] as string)).toEqual({ line: 2, sha256: hex(2) });
    scan.manifest.close();
  });

  it('is undefined for a manifest shorter than its header says (a truncated tar)', () => {
    fileNo += 1;
    const file = join(temp.path, `m${fileNo}`);
    writeFileSync(file, manifestText(3).text);
    expect(ManifestFile.scan({ file, offset: 0, size: 10_000 }, DEFAULT_LIMITS, 1000, false)).toBeUndefined();
  });
});
