import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTrustPolicy } from '../../src/trust/index.js';
import { verifyPacket } from '../../src/verify/index.js';
import { makeTempDir } from '../helpers/cli.js';
import { makeCorpusFixture, VERIFY_AT, type CorpusFixture } from '../vectors/fixture.js';
import { nameOf, parseTar, serializeTar, setData } from '../vectors/tar.js';

const temp = makeTempDir('packet-keyfiles-');
let fixture: CorpusFixture;
beforeAll(async () => {
  fixture = await makeCorpusFixture(temp.path);
}, 60_000);
afterAll(async () => {
  await fixture?.tsa.close();
  temp.cleanup();
});

describe('verify: key files inside the packet', () => {
  it('fails a packet whose keys/<FPR>.asc files hold each other\'s keys (found by the tamper corpus)', async () => {
    const entries = parseTar(fixture.base);
    const a = entries.find((e) => nameOf(e) === `keys/${fixture.alice.fingerprint}.asc`);
    const b = entries.find((e) => nameOf(e) === `keys/${fixture.bob.fingerprint}.asc`);
    if (a === undefined || b === undefined) throw new Error('fixture has no key files');
    const data = a.data;
    setData(a, b.data);
    setData(b, data);
    const file = join(temp.path, 'swapped.packet.tar');
    writeFileSync(file, serializeTar(entries));
    const policy = await loadTrustPolicy(fixture.policyFile);
    const { report } = await verifyPacket(file, { now: VERIFY_AT, policy });
    expect(report.verdict).toBe('fail');
    const failed = report.checks.filter((c) => c.status === 'fail');
    expect(failed.map((c) => [c.id, c.code])).toContainEqual(['key', 'KEY_FILE_NAME_MISMATCH']);
  });
});
