import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPacket } from '../../src/packet/index.js';
import { makeTempDir } from '../helpers/cli.js';
import { build, writeEvidence } from '../packet/fixtures.js';
import { failures } from './helpers.js';

const temp = makeTempDir('packet-json-depth-');
afterAll(() => temp.cleanup());

describe('packet.json nested deeply enough to exhaust the stack', () => {
  it('is PACKET_JSON_INVALID, not a crash, even when the manifest covers it', async () => {
    writeEvidence(temp.path);
    const packet = join(temp.path, 'p');
    await build(temp.path, `${packet}/`, ['evidence']);
    const metadataPath = join(packet, 'packet.json');
    const metadata = readFileSync(metadataPath, 'utf8');
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const hostile = `${metadata.slice(0, -1)},"zz":${deep}}`;
    writeFileSync(metadataPath, hostile);
    const manifestPath = join(packet, 'manifest.sha256');
    const digest = createHash('sha256').update(hostile).digest('hex');
    writeFileSync(manifestPath, readFileSync(manifestPath, 'utf8').replace(/^[0-9a-f]{64}(?= {2}packet\.json$)/m, digest));
    const reading = await readPacket(packet);
    expect(failures(reading.checks)).toEqual(['packet-json:PACKET_JSON_INVALID']);
  });
});
