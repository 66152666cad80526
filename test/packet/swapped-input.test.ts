/**
 * preparePayload (src/packet/payload.ts) on a file that is no longer what the folder listing saw:
 * a link or a FIFO swapped in between the walk and the read. Both the small-file path and the
 * large-file path (over SMALL_FILE_MAX, opened as a handle) must refuse it as FILE_CHANGED,
 * without reading through the link and without blocking on the FIFO.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { preparePayload, SMALL_FILE_MAX, type PrepareOptions } from '../../src/packet/payload.js';
import { defaultRuleSet } from '../../src/redact/index.js';
import { makeTempDir } from '../helpers/cli.js';

const temp = makeTempDir('packet-swapped-');
afterAll(() => temp.cleanup());
const options: PrepareOptions = { rules: defaultRuleSet(), strict: false, spoolDir: temp.path };

describe('preparePayload on an input swapped after the listing', () => {
  const dir = join(temp.path, 'in');
  mkdirSync(dir);
  const outside = join(temp.path, 'outside.txt');
  const large = SMALL_FILE_MAX + 4096;
  writeFileSync(outside, 'not evidence\n'.repeat(Math.ceil(large / 13)));

  for (const [name, size] of [['small', 100], ['large', large]] as const) {
    it(`refuses a link where a ${name} file was listed, without following it`, async () => {
      const link = join(dir, `${name}-link.log`);
      symlinkSync(outside, link);
      await expect(preparePayload({ source: link, path: `payload/${name}.log`, size }, options)).rejects.toMatchObject({ code: 'FILE_CHANGED' });
    });

    it(`refuses a FIFO where a ${name} file was listed, without blocking`, async () => {
      const fifo = join(dir, `${name}-pipe.log`);
      execFileSync('mkfifo', [fifo]);
      await expect(preparePayload({ source: fifo, path: `payload/${name}.log`, size }, options)).rejects.toMatchObject({ code: 'FILE_CHANGED' });
    });
  }

  it('still reads a regular file of either size', async () => {
    const small = join(dir, 'ok-small.log');
    writeFileSync(small, 'all checks green\n');
    const bigFile = join(dir, 'ok-large.log');
    writeFileSync(bigFile, 'x'.repeat(large - 1) + '\n');
    expect((await preparePayload({ source: small, path: 'payload/ok-small.log', size: 17 }, options)).size).toBe(17);
    expect((await preparePayload({ source: bigFile, path: 'payload/ok-large.log', size: large }, options)).size).toBe(large);
  });
});
