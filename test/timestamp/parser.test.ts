import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DerError, parseStrictDer } from '../../src/timestamp/der.js';
import { MAX_TIMESTAMP_BYTES, TimestampError, loadCertificates, parseTimeStamp, verifyTimeStamp } from '../../src/timestamp/index.js';
import { HELLO, makeRoot, makeTsa, stamp } from './helpers.js';

const root = makeRoot();
const trusted = [{ name: 'test', roots: [root.cert] }];
const valid = stamp(HELLO, makeTsa(root));
const codeOf = (bytes: Uint8Array) => verifyTimeStamp(bytes, HELLO, trusted).code;

function derCode(bytes: number[]): string | undefined {
  try {
    parseStrictDer(Uint8Array.from(bytes));
    return undefined;
  } catch (error) {
    return (error as DerError).code;
  }
}

describe('strict DER', () => {
  it('refuses BER and malformed encodings with their own codes', () => {
    expect(derCode([0x30, 0x03, 0x02, 0x01, 0x05])).toBeUndefined();
    expect(derCode([0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00])).toBe('DER_INDEFINITE_LENGTH');
    expect(derCode([0x30, 0x81, 0x03, 0x02, 0x01, 0x05])).toBe('DER_BAD_LENGTH'); // long form for a short length
    expect(derCode([0x30, 0x82, 0x00, 0x03, 0x02, 0x01, 0x05])).toBe('DER_BAD_LENGTH'); // leading zero length octet
    expect(derCode([0x30, 0x85, 1, 0, 0, 0, 0])).toBe('DER_BAD_LENGTH');
    expect(derCode([0x30, 0x05, 0x02, 0x01])).toBe('DER_TRUNCATED');
    expect(derCode([0x30, 0x03, 0x02, 0x01, 0x05, 0x00])).toBe('DER_TRAILING_BYTES');
    expect(derCode([0x02, 0x02, 0x00, 0x05])).toBe('DER_BAD_INTEGER');
    expect(derCode([0x01, 0x01, 0x01])).toBe('DER_BAD_BOOLEAN');
    expect(derCode([0x24, 0x03, 0x04, 0x01, 0x00])).toBe('DER_CONSTRUCTED_STRING');
    expect(derCode([0x1f, 0x21, 0x00])).toBe('DER_UNSUPPORTED_TAG');
  });

  it('refuses deep nesting without recursing without bound', () => {
    const depth = 2000;
    const bytes: number[] = [];
    for (let i = 0; i < depth; i += 1) bytes.push(0x30, 0x80);
    expect(derCode(bytes)).toBe('DER_INDEFINITE_LENGTH');
    let nested = Uint8Array.of(0x05, 0x00);
    for (let i = 0; i < 40; i += 1) nested = Uint8Array.from([0x30, ...lengthOf(nested.length), ...nested]);
    expect(derCode([...nested])).toBe('DER_TOO_DEEP');
    expect(codeOf(nested)).toBe('DER_TOO_DEEP');
  });

  it('trailing bytes after a valid response, or a truncated one, are reasons, not exceptions', () => {
    expect(codeOf(Uint8Array.from([...valid, 0]))).toBe('DER_TRAILING_BYTES');
    expect(codeOf(valid.subarray(0, valid.length - 10))).toBe('DER_TRUNCATED');
    expect(codeOf(new Uint8Array())).toBe('DER_TRUNCATED');
  });

  it('inputs over 1 MiB are refused before parsing', () => {
    expect(codeOf(new Uint8Array(MAX_TIMESTAMP_BYTES + 1))).toBe('INPUT_TOO_LARGE');
  });

  it('loadCertificates reads PEM bundles and DER, and refuses junk', () => {
    expect(loadCertificates(Buffer.from(root.cert).toString('base64').replace(/^/, '-----BEGIN CERTIFICATE-----\n') + '\n-----END CERTIFICATE-----\n')).toHaveLength(1);
    expect(loadCertificates(Uint8Array.from([...root.cert, ...root.cert]))).toHaveLength(2);
    expect(() => loadCertificates('not a certificate')).toThrow(expect.objectContaining({ code: 'CERT_MALFORMED' }));
  });
});

describe('fuzz smoke (fast-check): the verifier never throws', () => {
  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        const result = verifyTimeStamp(bytes, HELLO, trusted);
        expect(result.ok).toBe(false);
        expect(result.code).toMatch(/^[A-Z][A-Z0-9_]+$/);
      }),
      { numRuns: 500 },
    );
  });

  it('mutated valid responses: flipped bytes, truncation, insertion', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(valid.length - 1), mask: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat(valid.length - 1), mask: fc.constant(0) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(valid.length - 1), mask: fc.integer({ min: 0, max: 255 }) }),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        let bytes = new Uint8Array(valid);
        for (const m of mutations) {
          const at = Math.min(m.at, bytes.length - 1);
          if (m.kind === 'flip') bytes[at]! ^= m.mask;
          else if (m.kind === 'cut') bytes = bytes.slice(0, at);
          else bytes = Uint8Array.from([...bytes.subarray(0, at), m.mask, ...bytes.subarray(at)]);
          if (bytes.length === 0) break;
        }
        const result = verifyTimeStamp(bytes, HELLO, trusted);
        expect(result.code).toMatch(/^[A-Z][A-Z0-9_]+$/);
        try {
          parseTimeStamp(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(TimestampError);
        }
      }),
      { numRuns: 400 },
    );
  });
});

function lengthOf(length: number): number[] {
  return length < 0x80 ? [length] : length < 0x100 ? [0x81, length] : [0x82, length >> 8, length & 0xff];
}
