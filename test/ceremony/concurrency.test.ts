/**
 * Two signers adding to the same packet file at the same moment both land (issue 4: no lost
 * update). Separate `packet sign` processes, started together, on one tar and on one folder.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TestKey } from '../signing/keys.js';
import { build, failedCodes, makeCeremony, makeKey, PASSPHRASE, runBinAsync, verify, type Ceremony } from './fixture.js';

let c: Ceremony;
let carol: TestKey;
let policy: string;
beforeAll(async () => {
  c = await makeCeremony();
  carol = await makeKey('Carol');
  writeFileSync(join(c.dir, 'carol.key.asc'), carol.privateArmored);
  policy = c.writePolicy('two.json', {
    signers: [
      { id: 'alice', roles: ['operator'], fingerprints: [c.alice.fingerprint] },
      { id: 'carol', roles: ['approver'], fingerprints: [carol.fingerprint] },
    ],
    signatures: 2,
    roles: ['operator', 'approver'],
  });
});
afterAll(async () => {
  await c.cleanup();
});

describe.each([
  { form: 'tar', out: 'together-tar.packet.tar' },
  { form: 'directory', out: 'together-dir.packet/' },
])('concurrent signing, $form form', ({ out }) => {
  test('two packet sign processes started at the same moment all land', async () => {
    const packet = await build(c, join(c.dir, out));
    const env = { PATH: process.env.PATH, PACKET_PASSPHRASE: PASSPHRASE };
    const runs = await Promise.all([
      runBinAsync(['sign', packet, '--key', c.aliceKeyFile], { env }),
      runBinAsync(['sign', packet, '--key', join(c.dir, 'carol.key.asc')]),
    ]);
    for (const run of runs) expect(run.code, run.stderr).toBe(0);

    const { code, report } = await verify(packet, policy);
    expect(failedCodes(report)).toEqual([]);
    expect(code).toBe(0);
    expect((report.facts?.signatures as string[]).sort()).toEqual([c.alice.fingerprint, carol.fingerprint].sort());
    expect((report.facts?.keys as string[]).length).toBe(2);
    // No lock or temporary file is left beside the packet.
    const name = out.replace(/\/$/, '');
    expect(readdirSync(c.dir).filter((entry) => entry.includes(name))).toEqual([name]);
  });
});
