import { describe, expect, it } from 'vitest';
import { formatRfc3339, parseRfc3339, resolveBuildTime } from '../../src/core/time.js';
import { PacketError } from '../../src/core/errors.js';

describe('parseRfc3339', () => {
  it('accepts Z and offsets and fractional seconds', () => {
    expect(parseRfc3339('2026-01-31T12:00:00Z')?.toISOString()).toBe('2026-01-31T12:00:00.000Z');
    expect(parseRfc3339('2026-01-31T13:00:00+01:00')?.toISOString()).toBe('2026-01-31T12:00:00.000Z');
    expect(parseRfc3339('2026-01-31T12:00:00.123456Z')?.toISOString()).toBe('2026-01-31T12:00:00.123Z');
  });

  it.each(['2026-01-31', '2026-01-31T12:00:00', '2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z', 'yesterday', '2026-01-31T24:00:00Z', ''])(
    'rejects %j',
    (text) => {
      expect(parseRfc3339(text)).toBeUndefined();
    },
  );

  it('formats UTC with second precision', () => {
    expect(formatRfc3339(new Date('2026-01-31T12:00:00.999Z'))).toBe('2026-01-31T12:00:00Z');
  });
});

describe('resolveBuildTime', () => {
  const now = () => new Date('2030-01-01T00:00:00.500Z');
  it('prefers --time, then SOURCE_DATE_EPOCH, then now truncated to seconds', () => {
    expect(resolveBuildTime('2026-01-01T00:00:00Z', { SOURCE_DATE_EPOCH: '0' }, now).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(resolveBuildTime(undefined, { SOURCE_DATE_EPOCH: '86400' }, now).toISOString()).toBe('1970-01-02T00:00:00.000Z');
    expect(resolveBuildTime(undefined, {}, now).toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });
  it('rejects a malformed SOURCE_DATE_EPOCH as a usage error', () => {
    expect(() => resolveBuildTime(undefined, { SOURCE_DATE_EPOCH: '1e9' }, now)).toThrow(PacketError);
  });
});
