import { closeSync, mkdirSync, openSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/core/result.js';
import { makeTempDir, runBin } from '../helpers/cli.js';
import { TIME } from '../packet/fixtures.js';

/**
 * The built verifier hands large entries (64 MiB and more) to a second core, balancing the bytes each core hashes. A change
 * in any of them is still caught, in the entry it is in, in both forms.
 */

const temp = makeTempDir('packet-parallel-hash-');
afterAll(() => temp.cleanup());
const BIG = 70 * 2 ** 20;
const NAMES = ['a.img', 'b.img', 'c.img'];

beforeAll(() => {
  const input = join(temp.path, 'evidence');
  mkdirSync(input);
  for (const name of NAMES) {
    writeFileSync(join(input, name), '');
    truncateSync(join(input, name), BIG); // sparse zeros
  }
  writeFileSync(join(input, 'note.txt'), 'three disk images\n');
  for (const out of ['p.packet.tar', 'unpacked/']) {
    expect(runBin(['build', '--quiet', '--time', TIME, '--out', out, 'evidence'], { cwd: temp.path }).code).toBe(0);
  }
}, 120_000);

function verify(path: string): Report {
  const run = runBin(['verify', '--quiet', '--integrity-only', '--format', 'json', path], { cwd: temp.path });
  return JSON.parse(run.stdout) as Report;
}

describe('verify with large entries hashed on two cores', () => {
  it('both forms are intact', () => {
    expect(verify('p.packet.tar').verdict).toBe('intact');
    expect(verify('unpacked').verdict).toBe('intact');
  });

  for (const name of NAMES) {
    it(`catches one changed byte in ${name}`, () => {
      const file = join(temp.path, 'unpacked', 'payload', 'evidence', name);
      const fd = openSync(file, 'r+');
      writeSync(fd, Buffer.from([1]), 0, 1, BIG - 10);
      closeSync(fd);
      try {
        const report = verify('unpacked');
        const failed = report.checks.filter((c) => c.status === 'fail').map((c) => [c.code, c.subject]);
        expect(failed).toEqual([['FILE_MODIFIED', `payload/evidence/${name}`]]);
      } finally {
        const fix = openSync(file, 'r+');
        writeSync(fix, Buffer.from([0]), 0, 1, BIG - 10);
        closeSync(fix);
      }
    });
  }
});
