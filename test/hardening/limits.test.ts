/** Every documented bound (docs/limits.md) is enforced with its reason code; tested cheaply with small limits. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPacket, DEFAULT_LIMITS, parseManifest, readPacket, type PacketLimits } from '../../src/packet/index.js';
import { MAX_POLICY_BYTES, validateTrustPolicyFile } from '../../src/trust/index.js';
import { makeTempDir } from '../helpers/cli.js';
import { T0 } from '../signing/keys.js';

const temp = makeTempDir('packet-limits-');
let packet: string;
beforeAll(async () => {
  const input = join(temp.path, 'in', 'evidence', 'deep', 'er');
  mkdirSync(input, { recursive: true });
  writeFileSync(join(input, 'big.log'), 'x'.repeat(5000) + '\n');
  writeFileSync(join(temp.path, 'in', 'evidence', 'small.log'), 'small\n');
  packet = join(temp.path, 'p.packet.tar');
  await buildPacket({ inputs: [join(temp.path, 'in', 'evidence')], out: packet, created: T0, cwd: temp.path });
}, 60_000);
afterAll(() => temp.cleanup());

const limits = (change: Partial<PacketLimits>): PacketLimits => ({ ...DEFAULT_LIMITS, ...change });
const failCodes = async (change: Partial<PacketLimits>): Promise<string[]> =>
  (await readPacket(packet, { limits: limits(change) })).checks.filter((c) => c.status === 'fail').map((c) => c.code as string);

describe('limits', () => {
  it('the packet passes under the default limits', async () => {
    expect(await failCodes({})).toEqual([]);
  });
  it('largest entry: ENTRY_TOO_LARGE just over, fine at exactly the bound', async () => {
    expect(await failCodes({ maxEntryBytes: 5000 })).toContain('ENTRY_TOO_LARGE');
    expect(await failCodes({ maxEntryBytes: 5001 })).toEqual([]);
  });
  it('entry count: TOO_MANY_ENTRIES', async () => {
    expect(await failCodes({ maxEntries: 3 })).toContain('TOO_MANY_ENTRIES');
  });
  it('manifest size: ENTRY_TOO_LARGE for manifest.sha256, MANIFEST_TOO_LARGE from the parser', async () => {
    expect(await failCodes({ maxManifestBytes: 100 })).toContain('ENTRY_TOO_LARGE');
    const manifest = Buffer.from(`${'a'.repeat(64)}  packet.json\n`);
    const parsed = parseManifest(manifest, limits({ maxManifestBytes: manifest.length - 1 }));
    expect(parsed.ok ? [] : parsed.problems.map((p) => p.code)).toEqual(['MANIFEST_TOO_LARGE']);
  });
  it('metadata size: packet.json and VERIFY.md over maxMetadataBytes', async () => {
    expect(await failCodes({ maxMetadataBytes: 50 })).toContain('ENTRY_TOO_LARGE');
  });
  it('path length: ENTRY_PATH_TOO_LONG', async () => {
    expect(await failCodes({ maxPathBytes: 20 })).toContain('ENTRY_PATH_TOO_LONG');
  });
  it('nesting depth: ENTRY_PATH_TOO_DEEP', async () => {
    expect(await failCodes({ maxDepth: 3 })).toContain('ENTRY_PATH_TOO_DEEP');
  });
  it('trust policy size: POLICY_TOO_LARGE', async () => {
    const file = join(temp.path, 'big-policy.yaml');
    writeFileSync(file, `# ${'x'.repeat(MAX_POLICY_BYTES)}\n`);
    const result = await validateTrustPolicyFile(file);
    expect(result.checks.map((c) => c.code)).toContain('POLICY_TOO_LARGE');
  });
  it('YAML aliases in a trust policy are refused (no alias expansion bombs)', async () => {
    const file = join(temp.path, 'alias-policy.yaml');
    writeFileSync(file, 'apiVersion: evidence-packet/v1\nkind: TrustPolicy\nx: &a [1, 2]\ny: [*a, *a, *a]\n');
    const result = await validateTrustPolicyFile(file);
    expect(result.policy).toBeUndefined();
    expect(result.checks.filter((c) => c.status === 'fail').length).toBeGreaterThan(0);
  });
});
