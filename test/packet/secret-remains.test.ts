import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { PacketError } from '../../src/core/errors.js';
import { makeTempDir } from '../helpers/cli.js';
import { build } from './fixtures.js';

/**
 * The final scan after redaction is the builder's own safety net. To prove the builder runs it
 * whatever the rule engine does, redaction is replaced here by one that misses everything: the
 * build must then stop with SECRET_REMAINS naming the packet file and line, and write nothing.
 */
vi.mock('../../src/redact/index.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/redact/index.js')>();
  return { ...actual, redactText: (text: string) => ({ text, records: [] }) };
});

const temp = makeTempDir('packet-secret-remains-');
afterAll(() => temp.cleanup());

describe('a secret that survives redaction', () => {
  it('fails the build with SECRET_REMAINS, the file and the line, never the value, and no packet', async () => {
    const evidence = join(temp.path, 'evidence');
    mkdirSync(evidence);
    writeFileSync(join(evidence, 'a.txt'), 'fine\n');
    writeFileSync(join(evidence, 'b.log'), 'one\ntwo\nkey AKIAIOSFODNN7EXAMPLE here\n');
    mkdirSync(join(temp.path, 'out'));
    for (const out of ['out/p.packet.tar', 'out/unpacked/']) {
      const error = await build(temp.path, out, ['evidence']).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PacketError);
      const e = error as PacketError;
      expect({ code: e.code, kind: e.kind, file: e.file, line: e.line }).toEqual({ code: 'SECRET_REMAINS', kind: 'input', file: 'payload/evidence/b.log', line: 3 });
      expect(`${e.message} ${e.hint ?? ''}`).not.toContain('AKIAIOSFODNN7EXAMPLE');
      expect(readdirSync(join(temp.path, 'out'))).toEqual([]);
    }
  });
});
