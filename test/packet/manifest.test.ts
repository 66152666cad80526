import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPacketPath, compareByBytes, DEFAULT_LIMITS, parseManifest, serializeManifest, type ManifestEntry } from '../../src/packet/index.js';
import { makeTempDir } from '../helpers/cli.js';
import { sha256 } from './fixtures.js';

/** The manifest codec: one canonical form, and exactly what sha256sum writes and reads. */

const temp = makeTempDir('packet-manifest-');
afterAll(() => temp.cleanup());

const segment = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((s) => checkPacketPath(s) === undefined && !s.includes('/'));
const packetPath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `payload/${parts.join('/')}`);
const entries = fc.uniqueArray(fc.record({ path: packetPath, sha256: fc.stringMatching(/^[0-9a-f]{64}$/) }), { selector: (e) => e.path, maxLength: 20 });

describe('manifest codec', () => {
  it('parse(serialize(entries)) gives the entries back in byte order, and serialize is canonical', () => {
    fc.assert(
      fc.property(entries.filter((e) => e.length > 0), (list: ManifestEntry[]) => {
        const bytes = serializeManifest(list);
        const parsed = parseManifest(bytes);
        expect(parsed.ok).toBe(true);
        if (!parsed.ok) return;
        expect(parsed.entries).toEqual([...list].sort((a, b) => compareByBytes(a.path, b.path)));
        expect(serializeManifest([...list].reverse()).equals(bytes)).toBe(true);
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('sorts by UTF-8 bytes, not by UTF-16 code units or locale', () => {
    // U+FF5E (3 UTF-8 bytes, EF BD 9E) sorts before U+1F600 (F0 9F 98 80) by bytes, but after it in UTF-16.
    const list = [
      { path: 'payload/\u{1F600}', sha256: 'a'.repeat(64) },
      { path: 'payload/\uFF5E', sha256: 'b'.repeat(64) },
      { path: 'payload/B', sha256: 'c'.repeat(64) },
      { path: 'payload/a', sha256: 'd'.repeat(64) },
    ];
    const lines = serializeManifest(list).toString('utf8').split('\n').map((l) => l.slice(66));
    expect(lines).toEqual(['payload/B', 'payload/a', 'payload/\uFF5E', 'payload/\u{1F600}', '']);
  });

  it('sha256sum -c accepts what serializeManifest writes, for non-ASCII paths too', () => {
    const files: Record<string, string> = { 'payload/a.txt': 'a\n', 'payload/dir/ü-日本.txt': 'unicode\n', 'payload/space name.txt': 'space\n' };
    const list = Object.entries(files).map(([path, content]) => {
      mkdirSync(dirname(join(temp.path, path)), { recursive: true });
      writeFileSync(join(temp.path, path), content);
      return { path, sha256: sha256(Buffer.from(content)) };
    });
    writeFileSync(join(temp.path, 'manifest.sha256'), serializeManifest(list));
    const run = spawnSync('sha256sum', ['--strict', '-c', 'manifest.sha256'], { cwd: temp.path, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('reads what sha256sum writes for the same files, sorted', () => {
    const out = spawnSync('sh', ['-c', 'find payload -type f | LC_ALL=C sort | xargs -d "\\n" sha256sum'], { cwd: temp.path, encoding: 'buffer' });
    expect(out.status).toBe(0);
    const parsed = parseManifest(out.stdout);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.entries.map((e) => e.path)).toContain('payload/dir/ü-日本.txt');
  });

  it('reports every bad line with its own code and line number, not just the first', () => {
    const text = [`${'A'.repeat(64)}  payload/a`, `${'0'.repeat(64)}  payload/c`, `${'0'.repeat(64)}  payload/b`, `${'0'.repeat(64)}  payload/c`, ''].join('\n');
    const parsed = parseManifest(Buffer.from(text));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.problems.map((p) => [p.code, p.line])).toEqual([
        ['MANIFEST_BAD_HEX', 1],
        ['MANIFEST_NOT_SORTED', 3],
        ['MANIFEST_DUPLICATE', 4],
      ]);
    }
  });

  it('MANIFEST_TOO_LARGE over the limit', () => {
    const parsed = parseManifest(Buffer.from(`${'0'.repeat(64)}  payload/a\n`), { ...DEFAULT_LIMITS, maxManifestBytes: 10 });
    expect(parsed.ok ? [] : parsed.problems.map((p) => p.code)).toEqual(['MANIFEST_TOO_LARGE']);
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const parsed = parseManifest(bytes);
        if (!parsed.ok) for (const p of parsed.problems) expect(p.code).toMatch(/^MANIFEST_[A-Z0-9_]+$/);
      }),
      { numRuns: 500, seed: 1 },
    );
  });
});
