import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/cli.js';
import { build } from './fixtures.js';

/**
 * The builder wires redaction (the rules themselves are tested with the redact module): a URL
 * password and an AWS access key id are gone from the packet, and packet.json records file, rule,
 * count and lines, never the value.
 */

const URL_SECRET = 'hunter2';
const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const temp = makeTempDir('packet-redaction-');
let tarBytes: Buffer;
let dir: string;

beforeAll(async () => {
  const evidence = join(temp.path, 'evidence');
  mkdirSync(evidence);
  writeFileSync(join(evidence, 'deploy.log'), ['starting', `connecting to postgres://admin:${URL_SECRET}@db/x`, 'ok', `using key ${AWS_KEY} for upload`, 'done', ''].join('\n'));
  writeFileSync(join(evidence, 'clean.txt'), 'nothing to hide\n');
  await build(temp.path, 'out/p.packet.tar', ['evidence']);
  await build(temp.path, 'out/unpacked/', ['evidence']);
  tarBytes = readFileSync(join(temp.path, 'out/p.packet.tar'));
  dir = join(temp.path, 'out/unpacked');
});
afterAll(() => temp.cleanup());

describe('packet build wires redaction', () => {
  it('leaves neither secret anywhere in the tar or the unpacked packet', () => {
    for (const secret of [URL_SECRET, AWS_KEY]) {
      expect(tarBytes.includes(Buffer.from(secret))).toBe(false);
      for (const file of ['payload/evidence/deploy.log', 'packet.json', 'VERIFY.md', 'manifest.sha256']) {
        expect(readFileSync(join(dir, file), 'utf8')).not.toContain(secret);
      }
    }
  });

  it('keeps the lines around the secrets', () => {
    const lines = readFileSync(join(dir, 'payload/evidence/deploy.log'), 'utf8').split('\n');
    expect(lines).toHaveLength(6);
    expect([lines[0], lines[2], lines[4]]).toEqual(['starting', 'ok', 'done']);
    expect(lines[1]).toMatch(/^connecting to .*db\/x$/);
    expect(readFileSync(join(dir, 'payload/evidence/clean.txt'), 'utf8')).toBe('nothing to hide\n');
  });

  it('records file, rule, count and line numbers in packet.json', () => {
    const packet = JSON.parse(readFileSync(join(dir, 'packet.json'), 'utf8')) as {
      redaction: { total: number; files: { file: string; rule: string; count: number; lines?: number[] }[] };
    };
    expect(packet.redaction.total).toBe(2);
    const records = packet.redaction.files;
    expect(records).toHaveLength(2);
    for (const record of records) {
      expect(record.file).toBe('payload/evidence/deploy.log');
      expect(record.count).toBe(1);
      expect(record.rule).toMatch(/^[a-z0-9][a-z0-9._-]*$/);
    }
    const aws = records.find((r) => /aws/i.test(r.rule));
    const url = records.find((r) => r !== aws);
    expect(aws?.lines).toEqual([4]);
    expect(url?.lines).toEqual([2]);
  });
});
