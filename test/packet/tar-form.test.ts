import { spawnSync } from 'node:child_process';
import { createReadStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/cli.js';
import { build, CREATED, listFiles, writeEvidence } from './fixtures.js';

/** Tar headers of the tar form (DESIGN.md "The packet"), read back by tar-stream and by GNU tar. */

const temp = makeTempDir('packet-tarform-');
const LONG_DIR = 'd'.repeat(150);
const LONG_FILE = `${'f'.repeat(140)}.txt`;
const UNICODE = 'résumé-日本語-ñ.txt';
let tarPath: string;
let dirPath: string;

interface Header {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  mtime: number;
}

async function readHeaders(path: string): Promise<Header[]> {
  const extract = tar.extract();
  createReadStream(path).pipe(extract as unknown as NodeJS.WritableStream);
  const headers: Header[] = [];
  for await (const entry of extract) {
    const h = entry.header;
    headers.push({
      name: h.name,
      type: String(h.type),
      mode: h.mode ?? -1,
      uid: h.uid ?? -1,
      gid: h.gid ?? -1,
      uname: h.uname ?? '',
      gname: h.gname ?? '',
      mtime: (h.mtime as Date).getTime(),
    });
    entry.resume();
  }
  return headers;
}

function run(command: string, args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { PATH: process.env.PATH, TZ: 'UTC', LC_ALL: 'C.UTF-8' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  const evidence = writeEvidence(temp.path);
  mkdirSync(join(evidence, LONG_DIR));
  writeFileSync(join(evidence, LONG_DIR, LONG_FILE), 'long name\n');
  writeFileSync(join(evidence, UNICODE), 'unicode name\n');
  tarPath = join(temp.path, 'out', 'p.packet.tar');
  dirPath = join(temp.path, 'out', 'unpacked');
  await build(temp.path, tarPath, ['evidence'], { name: 'p' });
  await build(temp.path, `${dirPath}/`, ['evidence'], { name: 'p' });
});

afterAll(() => temp.cleanup());

describe('the tar form', () => {
  it('has fixed mtime, uid/gid 0, empty uname/gname, mode 0644, regular files only', async () => {
    const headers = await readHeaders(tarPath);
    expect(headers.length).toBeGreaterThan(5);
    for (const h of headers) {
      expect(h).toMatchObject({ type: 'file', mode: 0o644, uid: 0, gid: 0, uname: '', gname: '', mtime: CREATED.getTime() });
    }
  });

  it('holds the payload sorted by path bytes, then packet.json, VERIFY.md, manifest.sha256', async () => {
    const names = (await readHeaders(tarPath)).map((h) => h.name);
    const payload = names.filter((n) => n.startsWith('payload/'));
    const sorted = [...payload].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(payload).toEqual(sorted);
    expect(names).toEqual([...sorted, 'packet.json', 'VERIFY.md', 'manifest.sha256']);
  });

  it('keeps long (> 255 bytes) and non-ASCII names exactly', async () => {
    const names = (await readHeaders(tarPath)).map((h) => h.name);
    const long = `payload/evidence/${LONG_DIR}/${LONG_FILE}`;
    expect(Buffer.byteLength(long)).toBeGreaterThan(255);
    expect(names).toContain(long);
    expect(names).toContain(`payload/evidence/${UNICODE}`);
    expect(names).toContain('payload/evidence/Größe-übersicht.txt');
  });

  it('is listed by GNU tar -tvf with numeric owner 0/0 and the created time', () => {
    const listing = run('tar', ['--numeric-owner', '--full-time', '--quoting-style=literal', '-tvf', tarPath], temp.path);
    expect(listing.code).toBe(0);
    const lines = listing.stdout.trim().split('\n');
    expect(lines.length).toBe(listFiles(dirPath).length);
    for (const line of lines) expect(line).toMatch(/^-rw-r--r-- 0\/0 +\d+ 2026-01-31 12:00:00 /);
    expect(listing.stdout).toContain(`payload/evidence/${LONG_DIR}/${LONG_FILE}\n`);
    expect(listing.stdout).toContain(`payload/evidence/${UNICODE}\n`);
  });

  it('extracts with GNU tar to the same files and bytes as the unpacked form', () => {
    const extracted = join(temp.path, 'extracted');
    mkdirSync(extracted);
    const result = run('tar', ['-xf', tarPath, '-C', extracted], temp.path);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const files = listFiles(extracted);
    expect(files).toEqual(listFiles(dirPath));
    for (const file of files) expect(readFileSync(join(extracted, file)).equals(readFileSync(join(dirPath, file)))).toBe(true);
  });

  it('passes sha256sum --strict -c manifest.sha256 once extracted, and in the unpacked form', () => {
    const extracted = join(temp.path, 'extracted-2');
    mkdirSync(extracted);
    expect(run('tar', ['-xf', tarPath, '-C', extracted], temp.path).code).toBe(0);
    for (const dir of [extracted, dirPath]) {
      const check = run('sha256sum', ['--strict', '-c', 'manifest.sha256'], dir);
      expect(check.code).toBe(0);
      const manifestLines = readFileSync(join(dir, 'manifest.sha256'), 'utf8').trim().split('\n').length;
      expect(check.stdout.trim().split('\n').filter((l) => l.endsWith(': OK'))).toHaveLength(manifestLines);
    }
  });

  it('sha256sum -c fails once a payload byte changes (the oracle can fail)', () => {
    const extracted = join(temp.path, 'extracted-3');
    mkdirSync(extracted);
    expect(run('tar', ['-xf', tarPath, '-C', extracted], temp.path).code).toBe(0);
    writeFileSync(join(extracted, 'payload/evidence/notes.txt'), 'tampered\n');
    expect(run('sha256sum', ['--strict', '-c', 'manifest.sha256'], extracted).code).not.toBe(0);
  });

  it('writes the unpacked form with mode 0644 files and 0755 folders', async () => {
    const { statSync } = await import('node:fs');
    for (const file of listFiles(dirPath)) expect(statSync(join(dirPath, file)).mode & 0o777).toBe(0o644);
    expect(statSync(join(dirPath, 'payload')).mode & 0o777).toBe(0o755);
  });

  it('canonicalizes JSON payload (RFC 8785) and keeps other text bytes', () => {
    expect(readFileSync(join(dirPath, 'payload/evidence/change.json'), 'utf8')).toBe('{"a":[1,2,{"y":null,"z":true}],"b":2}');
    expect(readFileSync(join(dirPath, 'payload/evidence/notes.txt'), 'utf8')).toBe('deployed release 1.2.3 to prod\nall checks green\n');
  });
});
