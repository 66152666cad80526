/**
 * Property tests for every parser that reads untrusted bytes. Seeded and reproducible: CI runs
 * them with FUZZ_SEED's default; `node scripts/fuzz.mjs --seconds N` runs them again and again
 * with random seeds and a larger FUZZ_SCALE, and prints the seed of any failure.
 * Invariant everywhere: a clean result with an UPPER_SNAKE reason code, never a throw, no hang.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { canonicalize } from 'json-canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PacketError } from '../../src/core/errors.js';
import { buildPacket, parseManifest, readPacket, serializeManifest, type PacketReading } from '../../src/packet/index.js';
import { normalizeSignature, verifyDetachedSignature } from '../../src/signing/index.js';
import { validateTrustPolicyFile } from '../../src/trust/index.js';
import { makeTempDir } from '../helpers/cli.js';
import { makeEd25519, signAt, T0, type TestKey } from '../signing/keys.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20250601);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const runs = (n: number): fc.Parameters<unknown> => ({ seed: SEED, numRuns: Math.round(n * SCALE), endOnFailure: true });
const CODE = /^[A-Z][A-Z0-9_]*$/;

const temp = makeTempDir('packet-fuzz-');
let validTar: Buffer;
let validDigest: string;
let key: TestKey;
let signature: string;
const MANIFEST_BYTES = Buffer.from(`${'a'.repeat(64)}  packet.json\n`);

beforeAll(async () => {
  const input = join(temp.path, 'in', 'evidence');
  mkdirSync(input, { recursive: true });
  writeFileSync(join(input, 'a.log'), 'line one\nline two\n');
  writeFileSync(join(input, 'b.json'), '{"b":[1,2,3]}');
  const out = join(temp.path, 'valid.packet.tar');
  const built = await buildPacket({ inputs: [input], out, created: T0, cwd: temp.path });
  validTar = readFileSync(out);
  validDigest = built.digest;
  key = await makeEd25519('Fuzz');
  signature = await signAt(key.privateKey, MANIFEST_BYTES, T0);
}, 60_000);
afterAll(() => temp.cleanup());

let counter = 0;
function scratch(bytes: Uint8Array): string {
  counter += 1;
  const file = join(temp.path, `case-${counter % 8}.bin`);
  writeFileSync(file, bytes);
  return file;
}

function expectClean(reading: PacketReading): void {
  for (const check of reading.checks) {
    if (check.status === 'fail') expect(check.code).toMatch(CODE);
  }
  if (!reading.intact) expect(reading.checks.some((c) => c.status === 'fail')).toBe(true);
}

/** A mutation of a valid tar: flip, overwrite, insert, delete or truncate bytes. */
const tarMutation = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 600 }) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 600 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  ),
  { minLength: 1, maxLength: 4 },
);

type Mutation = typeof tarMutation extends fc.Arbitrary<(infer M)[]> ? M : never;

function mutate(source: Buffer, mutations: Mutation[]): Buffer {
  let bytes = Buffer.from(source);
  for (const m of mutations) {
    if (bytes.length === 0) break;
    const at = m.at % bytes.length;
    if (m.kind === 'flip') bytes[at] = (bytes[at] as number) ^ (1 << m.bit);
    else if (m.kind === 'set') bytes[at] = m.value;
    else if (m.kind === 'insert') bytes = Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
    else if (m.kind === 'delete') bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.length)]);
    else bytes = bytes.subarray(0, at);
  }
  return bytes;
}

describe('fuzz: tar reader and packet reader', () => {
  it('random bytes never throw and never read as intact', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (bytes) => {
        const reading = await readPacket(scratch(bytes));
        expectClean(reading);
        expect(reading.intact).toBe(false);
      }),
      runs(400),
    );
  });

  it('random 512-byte headers with a valid checksum and magic never throw', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 512, maxLength: 512 }), fc.uint8Array({ maxLength: 1500 }), async (header, tail) => {
        const h = Buffer.from(header);
        h.write('ustar\u000000', 257, 'latin1');
        h.fill(0x20, 148, 156);
        let sum = 0;
        for (const b of h) sum += b;
        h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
        const reading = await readPacket(scratch(Buffer.concat([h, tail, Buffer.alloc(1024)])));
        expectClean(reading);
        expect(reading.intact).toBe(false);
      }),
      runs(400),
    );
  });

  it('mutated valid packets never throw, and intact means the sealed part is the original', async () => {
    await fc.assert(
      fc.asyncProperty(tarMutation, async (mutations) => {
        const reading = await readPacket(scratch(mutate(validTar, mutations)));
        expectClean(reading);
        // Header fields outside the manifest (mode, owner, mtime) may change; the sealed bytes may not.
        if (reading.intact) expect(reading.digest).toBe(validDigest);
      }),
      runs(600),
    );
  });
});

describe('fuzz: manifest parser', () => {
  const hex = fc.stringMatching(/^[0-9a-f]{64}$/);
  const segment = fc.stringMatching(/^[A-Za-z0-9._ \u00e9\u0065\u0301-]{1,12}$/);
  const path = fc.oneof(
    fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/')),
    fc.string({ maxLength: 40 }),
  );
  const line = fc.oneof(
    fc.tuple(hex, path).map(([h, p]) => `${h}  ${p}`),
    fc.string({ maxLength: 120 }),
  );

  it('never throws on arbitrary bytes; every problem has a code', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        const parsed = parseManifest(bytes);
        if (!parsed.ok) for (const p of parsed.problems) expect(p.code).toMatch(CODE);
      }),
      runs(2000),
    );
  });

  it('accepts exactly the canonical form: what it accepts re-serializes to the same bytes', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), fc.constantFrom('\n', '\r\n', ''), (lines, eol) => {
        const bytes = Buffer.from(lines.map((l) => `${l}${eol}`).join(''), 'utf8');
        const parsed = parseManifest(bytes);
        if (parsed.ok) {
          expect(serializeManifest(parsed.entries).equals(bytes)).toBe(true);
        } else {
          for (const p of parsed.problems) expect(p.code).toMatch(CODE);
        }
      }),
      runs(3000),
    );
  });
});

describe('fuzz: packet.json', () => {
  it('any JSON or text as packet.json gives a clean result, never a throw', async () => {
    const dir = join(temp.path, 'dir-packet');
    mkdirSync(join(dir, 'payload'), { recursive: true });
    writeFileSync(join(dir, 'VERIFY.md'), 'verify\n');
    writeFileSync(join(dir, 'payload', 'x.txt'), 'x\n');
    const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
    const content = fc.oneof(
      fc.jsonValue().map((v) => canonicalize(v)),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.record({ format: fc.constantFrom('evidence-packet/v1', 'x'), files: fc.record({ count: fc.integer(), bytes: fc.integer() }, { requiredKeys: [] }) }, { requiredKeys: [] }).map((v) => canonicalize(v)),
      fc.string({ maxLength: 200 }),
    );
    await fc.assert(
      fc.asyncProperty(content, async (text) => {
        writeFileSync(join(dir, 'packet.json'), text);
        const manifest = serializeManifest([
          { path: 'VERIFY.md', sha256: sha('verify\n') },
          { path: 'packet.json', sha256: sha(text) },
          { path: 'payload/x.txt', sha256: sha('x\n') },
        ]);
        writeFileSync(join(dir, 'manifest.sha256'), manifest);
        const reading = await readPacket(dir);
        expectClean(reading);
        const json = reading.checks.filter((c) => c.id === 'packet-json');
        expect(json.length).toBe(1);
      }),
      runs(150),
    );
  });
});

describe('fuzz: signatures (armored and binary)', () => {
  const armoredMutation = fc.record({ at: fc.nat(), char: fc.constantFrom('A', '=', '\n', '-', ' ', 'z', '\r', '\u0000') });

  it('normalizeSignature throws only typed input errors with a code', async () => {
    const binary = (await normalizeSignature(signature)).armored;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 1024 }),
          fc.array(armoredMutation, { minLength: 1, maxLength: 3 }).map((ms) => {
            let s = binary;
            for (const m of ms) {
              const at = m.at % s.length;
              s = s.slice(0, at) + m.char + s.slice(at + 1);
            }
            return Buffer.from(s);
          }),
        ),
        async (bytes) => {
          try {
            await normalizeSignature(bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(PacketError);
            expect((error as PacketError).code).toMatch(CODE);
          }
        },
      ),
      runs(800),
    );
  });

  it('verifyDetachedSignature never throws and never accepts a mutated signature', async () => {
    const keys = [{ source: 'fuzz.asc', armored: key.publicArmored }];
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.integer({ min: 1, max: 255 }), async (at, xor) => {
        const bytes = Buffer.from(signature);
        const i = at % bytes.length;
        bytes[i] = (bytes[i] as number) ^ xor;
        const result = await verifyDetachedSignature(MANIFEST_BYTES, bytes, keys, { now: new Date(T0.getTime() + 3600_000) });
        expect(result.code).toMatch(CODE);
        // A flip in armor framing whitespace may be harmless; a flip in the signed bytes never is.
        if (result.ok) expect((await normalizeSignature(bytes)).armored).toBe((await normalizeSignature(signature)).armored);
      }),
      runs(600),
    );
  });
});

describe('fuzz: trust policy loading', () => {
  const yamlish = fc.oneof(
    fc.string({ maxLength: 400 }),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc
      .record({
        apiVersion: fc.constantFrom('evidence-packet/v1', 'v2', 1),
        kind: fc.constantFrom('TrustPolicy', 'Other'),
        signers: fc.array(fc.record({ id: fc.string(), name: fc.string(), roles: fc.array(fc.string()), fingerprints: fc.array(fc.stringMatching(/^[0-9A-F]{40}$/)) }), { maxLength: 3 }),
        require: fc.record({ signatures: fc.integer({ min: -1, max: 4 }), roles: fc.array(fc.string(), { maxLength: 2 }), timestamps: fc.boolean() }),
        tsa: fc.array(fc.record({ name: fc.string(), roots: fc.array(fc.constantFrom('missing.pem', '../etc/passwd', '/dev/zero', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')) }), { maxLength: 2 }),
      }, { requiredKeys: [] })
      .map((v) => JSON.stringify(v)),
    fc.nat({ max: 30 }).map((n) => `a: &a [x]\n${Array.from({ length: n }, (_, i) => `b${i}: &b${i} [*${i === 0 ? 'a' : `b${i - 1}`}, *${i === 0 ? 'a' : `b${i - 1}`}]`).join('\n')}\n`),
  );

  it('any text as a policy gives checks with codes and locations, never a throw', async () => {
    await fc.assert(
      fc.asyncProperty(yamlish, async (text) => {
        const file = join(temp.path, 'policy.yaml');
        writeFileSync(file, text);
        const result = await validateTrustPolicyFile(file);
        if (result.policy === undefined) {
          expect(result.checks.some((c) => c.status === 'fail')).toBe(true);
          for (const c of result.checks) if (c.status === 'fail') expect(c.code).toMatch(CODE);
        }
      }),
      runs(500),
    );
  }, 60_000);
});
