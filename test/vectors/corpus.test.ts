import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestTimeStamp } from '../../src/timestamp/index.js';
import { makeTempDir, runCli } from '../helpers/cli.js';
import { signAt } from '../signing/keys.js';
import { deriveVariants, type CorpusInput, type Variant } from './corpus.js';
import { makeCorpusFixture, SIGNED_AT, VERIFY_AT, type CorpusFixture } from './fixture.js';
import { parseTar, nameOf } from './tar.js';

interface JsonReport {
  verdict: string;
  checks: { id: string; status: string; code?: string }[];
}

const temp = makeTempDir('packet-corpus-');
let fixture: CorpusFixture;
let variants: Variant[];
let input: CorpusInput;

async function verify(bytes: Buffer, name: string): Promise<{ code: number; report: JsonReport }> {
  const file = join(temp.path, `${name}.packet.tar`);
  writeFileSync(file, bytes);
  const run = await runCli(['verify', '--policy', fixture.policyFile, '--now', VERIFY_AT.toISOString(), '--format', 'json', '--quiet', file]);
  return { code: run.code, report: JSON.parse(run.stdout) as JsonReport };
}

beforeAll(async () => {
  fixture = await makeCorpusFixture(temp.path);
  const manifest = parseTar(fixture.base).find((e) => nameOf(e) === 'manifest.sha256')?.data as Buffer;
  const mallorySignature = await signAt(fixture.mallory.privateKey, manifest, SIGNED_AT);
  const malloryToken = Buffer.from(await requestTimeStamp(fixture.tsa.url, Buffer.from(mallorySignature), { timeoutMs: 10_000 }));
  input = {
    base: fixture.base,
    foreign: fixture.foreign,
    alice: fixture.alice.fingerprint,
    bob: fixture.bob.fingerprint,
    mallory: fixture.mallory.fingerprint,
    malloryKey: fixture.mallory.publicArmored,
    mallorySignature,
    malloryToken,
  };
  variants = deriveVariants(input);
}, 60_000);

afterAll(async () => {
  await fixture?.tsa.close();
  temp.cleanup();
});

describe('tamper corpus', () => {
  it('the original packet and the foreign packet pass', async () => {
    for (const [name, bytes] of [['base', fixture.base], ['foreign', fixture.foreign]] as const) {
      const { code, report } = await verify(bytes, `orig-${name}`);
      expect(report.verdict, name).toBe('pass');
      expect(code).toBe(0);
    }
  });

  it('derives at least 40 distinct variants, deterministically', () => {
    const rejecting = variants.filter((v) => v.expect.exit !== 0);
    expect(rejecting.length).toBeGreaterThanOrEqual(40);
    const digests = new Set(variants.map((v) => v.bytes.toString('base64')));
    expect(digests.size).toBe(variants.length);
    expect(variants.some((v) => v.bytes.equals(fixture.base))).toBe(false);
    const again = deriveVariants(input);
    expect(again.map((v) => v.bytes.toString('base64'))).toEqual(variants.map((v) => v.bytes.toString('base64')));
  });

  it('every variant gets its expected exit code and reason code (0 false accepts)', async () => {
    const outcomes: string[] = [];
    let falseAccepts = 0;
    for (const variant of variants) {
      const { code, report } = await verify(variant.bytes, variant.id);
      const codes = report.checks.filter((c) => c.status === 'fail' || (code === 4 && c.status === 'warn')).map((c) => c.code);
      if (variant.expect.exit !== 0 && code === 0) falseAccepts += 1;
      const ok = code === variant.expect.exit && (variant.expect.code === undefined || codes.includes(variant.expect.code));
      if (!ok) outcomes.push(`${variant.id}: exit ${code}, codes ${codes.join(',')}; expected ${variant.expect.exit} ${variant.expect.code ?? ''}`);
    }
    expect(outcomes).toEqual([]);
    expect(falseAccepts).toBe(0);
  }, 120_000);
});

