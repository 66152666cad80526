import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPacket, type BuildResult } from '../../src/packet/index.js';

/** The fixed build time used by the tests, and the same instant as SOURCE_DATE_EPOCH. */
export const TIME = '2026-01-31T12:00:00Z';
export const EPOCH = String(Date.parse(TIME) / 1000);
export const CREATED = new Date(TIME);

/** Write a small evidence folder with text, JSON, nested and non-ASCII names. Returns its path. */
export function writeEvidence(root: string, name = 'evidence'): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'logs', 'deep'), { recursive: true });
  writeFileSync(join(dir, 'change.json'), '{ "b": 2, "a": [1, 2, {"z": true, "y": null}] }\n');
  writeFileSync(join(dir, 'notes.txt'), 'deployed release 1.2.3 to prod\nall checks green\n');
  writeFileSync(join(dir, 'logs', 'deploy.log'), 'line one\nline two\n');
  writeFileSync(join(dir, 'logs', 'deep', 'trace.txt'), 'x'.repeat(1000));
  writeFileSync(join(dir, 'Größe-übersicht.txt'), 'non-ASCII name\n');
  return dir;
}

export interface BuiltPacket {
  dir: string;
  result: BuildResult;
}

/** Build a packet through the library API into `out` (a `DIR/` or a `.packet.tar`). */
export async function build(cwd: string, out: string, inputs: string[], extra: { strict?: boolean; followSymlinks?: boolean; name?: string } = {}): Promise<BuildResult> {
  return buildPacket({ inputs, out, created: CREATED, cwd, ...extra });
}

/** Every regular file under `root`, relative path with `/`, in byte order of paths. */
export function listFiles(root: string, prefix = ''): string[] {
  const names = readdirSync(join(root, prefix)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const out: string[] = [];
  for (const name of names) {
    const rel = prefix === '' ? name : `${prefix}/${name}`;
    const info = lstatSync(join(root, rel));
    if (info.isDirectory()) out.push(...listFiles(root, rel));
    else out.push(rel);
  }
  return out;
}

/** The files of an unpacked packet as [path, bytes] pairs, in the order a packet tar holds them (payload first, manifest last). */
export function packetFiles(dir: string): [string, Buffer][] {
  const files = listFiles(dir).map((path) => [path, readFileSync(join(dir, path))] as [string, Buffer]);
  const rank = (path: string): number => (path.startsWith('payload/') ? 0 : path === 'packet.json' ? 1 : path === 'VERIFY.md' ? 2 : 3);
  return files.sort((a, b) => rank(a[0]) - rank(b[0]) || Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])));
}

/** A fingerprint of a folder tree: every entry's path, type, size, mode, mtime and content digest. */
export function snapshot(root: string, prefix = ''): string[] {
  const names = readdirSync(join(root, prefix)).sort();
  const out: string[] = [];
  for (const name of names) {
    const rel = prefix === '' ? name : `${prefix}/${name}`;
    const info = lstatSync(join(root, rel));
    const digest = info.isFile() ? createHash('sha256').update(readFileSync(join(root, rel))).digest('hex') : '';
    out.push(`${rel} ${info.mode.toString(8)} ${info.size} ${info.mtimeMs} ${digest}`);
    if (info.isDirectory()) out.push(...snapshot(root, rel));
  }
  return out;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
