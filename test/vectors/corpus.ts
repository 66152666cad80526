/**
 * The tamper corpus generator: from one valid signed and time-stamped packet (plus a second
 * packet by the same signers, and material of a third person) it derives each tampered variant
 * deterministically, with the outcome `packet verify --policy --format json` must give.
 * test/vectors/README.md says what each variant proves.
 */
import { createHash } from 'node:crypto';
import { cloneEntry, makeEntry, nameOf, parseTar, serializeTar, setData, setName, setOctal, setTypeflag, fixChecksum, type TarEntry } from './tar.js';

export interface CorpusInput {
  base: Buffer;
  foreign: Buffer;
  alice: string;
  bob: string;
  mallory: string;
  /** Mallory's armored public key and her signature over the base manifest (and its token). */
  malloryKey: string;
  mallorySignature: string;
  malloryToken: Buffer;
}

export interface Expected {
  exit: number;
  /** A reason code that must appear among the report's checks (with status fail, unless exit is 0). */
  code?: string;
}

export interface Variant {
  id: string;
  expect: Expected;
  bytes: Buffer;
}

const INTEGRITY = 1;

export function deriveVariants(input: CorpusInput): Variant[] {
  const { alice, bob, mallory } = input;
  const variants: Variant[] = [];
  const add = (id: string, expect: Expected, edit: (entries: TarEntry[], foreign: TarEntry[]) => TarEntry[] | Buffer | void): void => {
    const entries = parseTar(input.base);
    const foreign = parseTar(input.foreign);
    const result = edit(entries, foreign);
    const bytes = Buffer.isBuffer(result) ? result : serializeTar(result ?? entries);
    if (variants.some((v) => v.id === id)) throw new Error(`duplicate variant id ${id}`);
    variants.push({ id, expect, bytes });
  };
  const fail = (code: string): Expected => ({ exit: INTEGRITY, code });
  // Not verified either, but what is there is valid: a removed part leaves the ceremony incomplete (exit 4).
  const incomplete = (code: string): Expected => ({ exit: 4, code });

  // Payload: each byte class, first/middle/last byte.
  for (const [cls, file] of [
    ['text', 'payload/evidence/apply.log'],
    ['json', 'payload/evidence/plan.json'],
    ['binary', 'payload/evidence/snapshot.bin'],
  ] as const) {
    for (const where of ['first', 'middle', 'last'] as const) {
      add(`payload-${cls}-${where}-byte`, fail('FILE_MODIFIED'), (e) => flipByte(find(e, file), where));
    }
  }
  add('packet-json-byte', fail('FILE_MODIFIED'), (e) => flipByte(find(e, 'packet.json'), 'middle'));
  add('verify-md-byte', fail('FILE_MODIFIED'), (e) => flipByte(find(e, 'VERIFY.md'), 'last'));
  add('payload-grown', fail('FILE_MODIFIED'), (e) => {
    const f = find(e, 'payload/evidence/apply.log');
    setData(f, Buffer.concat([f.data, Buffer.from('appended\n')]));
  });
  add('payload-emptied', fail('FILE_MODIFIED'), (e) => setData(find(e, 'payload/evidence/plan.json'), Buffer.alloc(0)));

  // The manifest.
  const editManifest = (e: TarEntry[], change: (lines: string[]) => string[] | string): void => {
    const m = find(e, 'manifest.sha256');
    const lines = m.data.toString('utf8').slice(0, -1).split('\n');
    const out = change(lines);
    setData(m, Buffer.from(typeof out === 'string' ? out : `${out.join('\n')}\n`, 'utf8'));
  };
  add('manifest-digest-changed', fail('FILE_MODIFIED'), (e) =>
    editManifest(e, (l) => l.map((line, i) => (i === 0 ? `${line[0] === 'a' ? 'b' : 'a'}${line.slice(1)}` : line))),
  );
  add('manifest-reordered', fail('MANIFEST_NOT_SORTED'), (e) => editManifest(e, (l) => [...l].reverse()));
  add('manifest-duplicate-line', fail('MANIFEST_DUPLICATE'), (e) => editManifest(e, (l) => [...l, l[l.length - 1] as string]));
  add('manifest-crlf', fail('MANIFEST_CRLF'), (e) => editManifest(e, (l) => `${l.join('\r\n')}\r\n`));
  add('manifest-no-final-newline', fail('MANIFEST_NO_FINAL_NEWLINE'), (e) => editManifest(e, (l) => l.join('\n')));
  add('manifest-upper-hex', fail('MANIFEST_BAD_HEX'), (e) => editManifest(e, (l) => l.map((line, i) => (i === 0 ? line.slice(0, 64).toUpperCase() + line.slice(64) : line))));
  add('manifest-line-dropped', fail('FILE_UNLISTED'), (e) => editManifest(e, (l) => l.filter((line) => !line.endsWith('payload/evidence/apply.log'))));
  add('manifest-line-for-missing-file', fail('FILE_MISSING'), (e) => editManifest(e, (l) => [...l, `${'0'.repeat(64)}  payload/zz-ghost.txt`]));
  add('manifest-lists-signature', fail('MANIFEST_LISTS_UNSEALED'), (e) => editManifest(e, (l) => [...l, `${'0'.repeat(64)}  signatures/${alice}.asc`]));
  // An attacker who edits a file and re-seals the manifest consistently: only the signatures catch it.
  add('resealed-manifest', fail('SIGNATURE_MISMATCH'), (e) => {
    const f = find(e, 'payload/evidence/apply.log');
    flipByte(f, 'middle');
    const digest = createHash('sha256').update(f.data).digest('hex');
    editManifest(e, (l) => l.map((line) => (line.endsWith('  payload/evidence/apply.log') ? `${digest}  payload/evidence/apply.log` : line)));
  });

  // Signature bytes and names.
  const sig = (e: TarEntry[], who: string): TarEntry => find(e, `signatures/${who}.asc`);
  add('signature-armor-body-byte', fail('SIGNATURE_ARMOR_CHECKSUM'), (e) => editArmorBody(sig(e, alice)));
  add('signature-armor-crc', fail('SIGNATURE_ARMOR_CHECKSUM'), (e) => editCrc(sig(e, alice)));
  add('signature-truncated', fail('SIGNATURE_ARMOR_TRUNCATED'), (e) => {
    const s = sig(e, alice);
    setData(s, s.data.subarray(0, Math.floor(s.data.length / 2)));
  });
  add('signature-empty', fail('SIGNATURE_EMPTY'), (e) => setData(sig(e, alice), Buffer.alloc(0)));
  add('signature-renamed-to-other-fingerprint', fail('SIGNATURE_FILE_NAME_MISMATCH'), (e) => {
    const rest = e.filter((x) => !nameOf(x).includes(bob));
    setName(sig(rest, alice), `signatures/${bob}.asc`);
    // keep the time-stamp in step so the name check, not the token, is what fails
    setName(find(rest, `timestamps/${alice}.tsr`), `timestamps/${bob}.tsr`);
    return rest.sort(byName);
  });
  add('signature-name-lower-case', fail('UNSEALED_BAD_NAME'), (e) => setName(sig(e, alice), `signatures/${alice.toLowerCase()}.asc`));
  add('signature-removed', { exit: 4, code: 'DUAL_CONTROL_TOO_FEW_PEOPLE' }, (e) => e.filter((x) => !nameOf(x).includes(bob)));
  add('signature-duplicated-under-own-name', fail('ENTRY_DUPLICATE'), (e) => insertAfter(e, sig(e, alice), cloneEntry(sig(e, alice))));
  add('signature-replayed-from-other-packet', fail('SIGNATURE_MISMATCH'), (e, f) => {
    setData(sig(e, alice), sig(f, alice).data);
  });
  add('signature-and-token-replayed-from-other-packet', fail('SIGNATURE_MISMATCH'), (e, f) => {
    setData(sig(e, alice), sig(f, alice).data);
    setData(find(e, `timestamps/${alice}.tsr`), find(f, `timestamps/${alice}.tsr`).data);
  });
  add('signature-by-unpinned-key', fail('KEY_NOT_IN_POLICY'), (e) => {
    const rest = e.filter((x) => !nameOf(x).includes(bob));
    const template = sig(rest, alice);
    rest.push(makeEntry(`signatures/${mallory}.asc`, Buffer.from(input.mallorySignature), template));
    rest.push(makeEntry(`keys/${mallory}.asc`, Buffer.from(input.malloryKey), template));
    rest.push(makeEntry(`timestamps/${mallory}.tsr`, input.malloryToken, template));
    return rest.sort(byName);
  });
  add('signature-unpinned-key-under-pinned-name', fail('SIGNATURE_FILE_NAME_MISMATCH'), (e) => {
    setData(sig(e, bob), Buffer.from(input.mallorySignature));
    e.push(makeEntry(`keys/${mallory}.asc`, Buffer.from(input.malloryKey), sig(e, bob)));
    setData(find(e, `timestamps/${bob}.tsr`), input.malloryToken);
    return e.sort(byName);
  });

  // Keys shipped in the packet.
  add('key-of-another-person', fail('KEY_FILE_NAME_MISMATCH'), (e) => setData(find(e, `keys/${alice}.asc`), Buffer.from(input.malloryKey)));
  add('key-removed', fail('UNKNOWN_KEY'), (e) => e.filter((x) => nameOf(x) !== `keys/${alice}.asc`));
  add('key-garbage', fail('KEY_MALFORMED'), (e) => setData(find(e, `keys/${alice}.asc`), Buffer.from('not a key\n')));
  add('keys-swapped', fail('KEY_FILE_NAME_MISMATCH'), (e) => {
    const a = find(e, `keys/${alice}.asc`);
    const b = find(e, `keys/${bob}.asc`);
    const data = a.data;
    setData(a, b.data);
    setData(b, data);
  });

  // Time-stamp tokens.
  const tsr = (e: TarEntry[], who: string): TarEntry => find(e, `timestamps/${who}.tsr`);
  add('token-byte-flipped', fail('SIGNATURE_INVALID'), (e) => flipByte(tsr(e, alice), 'last'));
  add('token-swapped-between-signatures', fail('IMPRINT_MISMATCH'), (e) => {
    const a = tsr(e, alice);
    const b = tsr(e, bob);
    const data = a.data;
    setData(a, b.data);
    setData(b, data);
  });
  add('token-from-other-packet', fail('IMPRINT_MISMATCH'), (e, f) => setData(tsr(e, alice), tsr(f, alice).data));
  add('token-truncated', fail('DER_TRUNCATED'), (e) => {
    const t = tsr(e, alice);
    setData(t, t.data.subarray(0, t.data.length - 10));
  });
  add('token-removed', incomplete('TIMESTAMP_MISSING'), (e) => e.filter((x) => nameOf(x) !== `timestamps/${alice}.tsr`));
  add('token-without-signature', fail('TIMESTAMP_WITHOUT_SIGNATURE'), (e) => {
    e.push(makeEntry(`timestamps/${mallory}.tsr`, input.malloryToken, tsr(e, alice)));
    return e.sort(byName);
  });

  // Tar headers.
  add('tar-header-checksum', fail('TAR_CORRUPT'), (e) => {
    const f = find(e, 'packet.json');
    f.header[148] = f.header[148] === 0x30 ? 0x31 : 0x30;
  });
  // One byte of the file falls into the padding: the covered bytes change.
  add('tar-size-field-smaller', fail('FILE_MODIFIED'), (e) => {
    const f = find(e, 'payload/evidence/apply.log');
    setOctal(f, 124, 12, f.data.length - 1);
    fixChecksum(f);
  });
  add('tar-size-field-larger', fail('TAR_TRUNCATED'), (e) => {
    const f = find(e, 'VERIFY.md');
    setOctal(f, 124, 12, 10 * 1024 * 1024);
    fixChecksum(f);
  });
  add('tar-size-field-not-octal', fail('TAR_CORRUPT'), (e) => {
    const f = find(e, 'VERIFY.md');
    f.header.write('9', 124, 'latin1');
    fixChecksum(f);
  });
  add('tar-typeflag-symlink', fail('ENTRY_LINK'), (e) => setTypeflag(find(e, 'payload/evidence/plan.json'), '2'));
  add('tar-typeflag-hardlink', fail('ENTRY_LINK'), (e) => setTypeflag(find(e, 'payload/evidence/plan.json'), '1'));
  add('tar-typeflag-device', fail('ENTRY_SPECIAL'), (e) => setTypeflag(find(e, 'payload/evidence/plan.json'), '3'));
  add('tar-typeflag-pax-global', fail('ENTRY_PAX_UNSUPPORTED'), (e) => setTypeflag(find(e, 'payload/evidence/plan.json'), 'g'));
  add('tar-name-dotdot', fail('ENTRY_PATH_TRAVERSAL'), (e) => setName(find(e, 'payload/evidence/plan.json'), 'payload/../plan.json'));
  add('tar-name-absolute', fail('ENTRY_ABSOLUTE_PATH'), (e) => setName(find(e, 'payload/evidence/plan.json'), '/payload/evidence/plan.json'));
  add('tar-name-backslash', fail('ENTRY_BAD_PATH'), (e) => setName(find(e, 'payload/evidence/plan.json'), 'payload\\evidence\\plan.json'));
  // Metadata outside the manifest's reach must not change the verdict.
  add('tar-mode-changed', { exit: 0 }, (e) => e.forEach((x) => (setOctal(x, 100, 8, 0o777), fixChecksum(x))));
  add('tar-uid-gid-changed', { exit: 0 }, (e) => e.forEach((x) => (setOctal(x, 108, 8, 4242), setOctal(x, 116, 8, 4343), x.header.write('mallory\0', 265, 'latin1'), fixChecksum(x))));
  add('tar-mtime-changed', { exit: 0 }, (e) => e.forEach((x) => (setOctal(x, 136, 12, 1_234_567_890), fixChecksum(x))));

  // Entries added, removed, duplicated; the archive's end.
  add('entry-added-payload', fail('FILE_UNLISTED'), (e) => {
    e.push(makeEntry('payload/evidence/extra.txt', Buffer.from('smuggled\n'), find(e, 'VERIFY.md')));
    return e.sort(byName);
  });
  add('entry-added-top-level', fail('FILE_UNLISTED'), (e) => {
    e.push(makeEntry('README.txt', Buffer.from('smuggled\n'), find(e, 'VERIFY.md')));
    return e.sort(byName);
  });
  add('entry-added-in-keys-folder', fail('UNSEALED_BAD_NAME'), (e) => {
    e.push(makeEntry('keys/trust-me.asc', Buffer.from(input.malloryKey), find(e, 'VERIFY.md')));
    return e.sort(byName);
  });
  add('entry-added-empty-folder', fail('FILE_UNLISTED'), (e) => {
    const dir = makeEntry('payload/empty/', Buffer.alloc(0), find(e, 'VERIFY.md'));
    setTypeflag(dir, '5');
    e.push(dir);
    return e.sort(byName);
  });
  add('entry-removed-payload', fail('FILE_MISSING'), (e) => e.filter((x) => nameOf(x) !== 'payload/evidence/snapshot.bin'));
  add('entry-removed-manifest', fail('MANIFEST_MISSING'), (e) => e.filter((x) => nameOf(x) !== 'manifest.sha256'));
  add('entry-removed-packet-json', fail('FILE_MISSING'), (e) => e.filter((x) => nameOf(x) !== 'packet.json'));
  add('entry-duplicated-payload', fail('ENTRY_DUPLICATE'), (e) => insertAfter(e, find(e, 'payload/evidence/plan.json'), cloneEntry(find(e, 'payload/evidence/plan.json'))));
  add('entry-duplicated-manifest-other-bytes', fail('ENTRY_DUPLICATE'), (e) => {
    const copy = cloneEntry(find(e, 'manifest.sha256'));
    setData(copy, Buffer.from(`${'0'.repeat(64)}  packet.json\n`));
    return insertAfter(e, find(e, 'manifest.sha256'), copy);
  });
  add('trailing-garbage', fail('ENTRY_AFTER_END'), (e) => Buffer.concat([serializeTar(e), Buffer.from('garbage after the end')]));
  add('truncated-archive', fail('TAR_TRUNCATED'), (e) => serializeTar(e).subarray(0, 512 * 5 + 100));
  add('no-end-marker', fail('TAR_TRUNCATED'), (e) => serializeTar(e).subarray(0, -1024));
  add('empty-file', fail('TAR_TRUNCATED'), () => Buffer.alloc(0));
  add('whole-other-packet-sealed-part', fail('SIGNATURE_MISMATCH'), (e, f) => {
    const unsealed = e.filter((x) => /^(signatures|timestamps|keys)\//.test(nameOf(x)));
    const sealed = f.filter((x) => !/^(signatures|timestamps|keys)\//.test(nameOf(x)));
    return [...sealed, ...unsealed];
  });
  return variants;
}

function byName(a: TarEntry, b: TarEntry): number {
  return Buffer.compare(Buffer.from(nameOf(a)), Buffer.from(nameOf(b)));
}

function find(entries: TarEntry[], name: string): TarEntry {
  const entry = entries.find((e) => nameOf(e) === name);
  if (entry === undefined) throw new Error(`the base packet has no ${name}`);
  return entry;
}

function insertAfter(entries: TarEntry[], anchor: TarEntry, entry: TarEntry): TarEntry[] {
  const i = entries.indexOf(anchor);
  return [...entries.slice(0, i + 1), entry, ...entries.slice(i + 1)];
}

function flipByte(entry: TarEntry, where: 'first' | 'middle' | 'last'): void {
  const i = where === 'first' ? 0 : where === 'last' ? entry.data.length - 1 : Math.floor(entry.data.length / 2);
  entry.data[i] = (entry.data[i] as number) ^ 0x01;
}

/** Change one base64 character in the middle of the armor body (the CRC no longer matches). */
function editArmorBody(entry: TarEntry): void {
  const lines = entry.data.toString('utf8').split('\n');
  const body = lines.findIndex((l, i) => i > 0 && l.length > 20 && !l.includes(':') && !l.startsWith('='));
  const line = lines[body] as string;
  const at = Math.floor(line.length / 2);
  lines[body] = line.slice(0, at) + (line[at] === 'A' ? 'B' : 'A') + line.slice(at + 1);
  setData(entry, Buffer.from(lines.join('\n')));
}

function editCrc(entry: TarEntry): void {
  const lines = entry.data.toString('utf8').split('\n');
  const crc = lines.findIndex((l) => /^=[A-Za-z0-9+/]{4}$/.test(l));
  if (crc === -1) throw new Error('signature has no armor checksum line');
  const line = lines[crc] as string;
  lines[crc] = `=${line[1] === 'A' ? 'B' : 'A'}${line.slice(2)}`;
  setData(entry, Buffer.from(lines.join('\n')));
}
