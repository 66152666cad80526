/**
 * The payload workers redact with the rules file the main thread read, not with whatever the file
 * holds when a worker starts: a rules file edited or removed mid-build must not make threads
 * redact differently. Runs the compiled pool (dist/), as the binary does.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type * as Pool from '../../src/packet/payload-pool.js';
import type * as Walk from '../../src/packet/walk-source.js';
import { loadRuleSet } from '../../src/redact/index.js';
import { makeTempDir, PROJECT_ROOT } from '../helpers/cli.js';

const temp = makeTempDir('packet-pool-rules-');
afterAll(() => temp.cleanup());

describe('payload workers and the rules file', () => {
  it('use the text the main thread read, even once the file is gone', async () => {
    const rulesPath = join(temp.path, 'rules.yaml');
    writeFileSync(rulesPath, 'apiVersion: evidence-packet/v1\nkind: RedactionRules\nrules:\n  - id: zeta-code\n    regex: \'ZETA-[0-9]{6}\'\n');
    const rules = await loadRuleSet(rulesPath);
    expect(rules.file).toEqual({ path: rulesPath, text: readFileSync(rulesPath, 'utf8') });
    rmSync(rulesPath);

    const log = join(temp.path, 'run.log');
    writeFileSync(log, 'deploy step 3 used ZETA-123456 to unlock the vault\n');
    const { PayloadPool } = (await import(join(PROJECT_ROOT, 'dist/packet/payload-pool.js'))) as typeof Pool;
    const { packBatch } = (await import(join(PROJECT_ROOT, 'dist/packet/walk-source.js'))) as typeof Walk;
    const pool = PayloadPool.start({ rulesFile: rules.file, strict: false, mode: 0o644, mtime: new Date('2026-01-31T12:00:00Z') });
    if (pool === undefined) {
      console.warn('skipping: the payload pool needs two CPUs and a built dist/');
      return;
    }
    try {
      const batch = await pool.run(packBatch([log], ['payload/run.log']), undefined, false);
      expect(batch.failure).toBeUndefined();
      const tar = Buffer.from(batch.tar);
      expect(tar.includes('ZETA-123456')).toBe(false);
      expect(tar.includes('[REDACTED:zeta-code]')).toBe(true);
    } finally {
      await pool.close();
    }
  });
});
