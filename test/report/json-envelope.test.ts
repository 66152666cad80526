import { describe, expect, it } from 'vitest';
import { usageError } from '../../src/core/errors.js';
import { EnvelopeWrittenError, jsonError, resultEnvelope, writeStreamedEnvelope, type JsonEnvelope } from '../../src/report/json.js';

const head = resultEnvelope({ command: 'inspect', subject: 'p' }, '2026-01-01T00:00:00Z', { path: '/p', keys: [] });

async function* items(count: number, failAt?: number): AsyncGenerator<{ path: string; size: number }> {
  for (let i = 0; i < count; i++) {
    if (i === failAt) throw usageError('BROKEN', 'the listing broke');
    yield { path: `payload/f${i}`, size: i };
  }
}

async function streamed(count: number, failAt?: number): Promise<{ text: string; thrown: unknown }> {
  let text = '';
  let thrown: unknown;
  await writeStreamedEnvelope((chunk) => (text += chunk), { head, list: 'files', items: items(count, failAt), after: () => ({ verdict: 'intact', facts: { total: count } }) }).catch((error: unknown) => (thrown = error));
  return { text, thrown };
}

describe('a streamed envelope', () => {
  it('is the same text as JSON.stringify of the whole envelope, for 0, 1 and many items', async () => {
    for (const count of [0, 1, 3]) {
      const { text, thrown } = await streamed(count);
      expect(thrown).toBeUndefined();
      const files = [...Array(count).keys()].map((i) => ({ path: `payload/f${i}`, size: i }));
      const whole: JsonEnvelope = { ...head, facts: { ...head.facts, files, total: count }, verdict: 'intact' };
      expect(text).toBe(`${JSON.stringify(whole, null, 2)}\n`);
    }
  });

  it('cut short, still parses as one envelope that carries the error (and no verdict)', async () => {
    for (const failAt of [0, 2]) {
      const { text, thrown } = await streamed(5, failAt);
      expect(thrown).toBeInstanceOf(EnvelopeWrittenError);
      const parsed = JSON.parse(text) as JsonEnvelope;
      expect(parsed.error).toEqual(jsonError(usageError('BROKEN', 'the listing broke')));
      expect(parsed).not.toHaveProperty('verdict');
      expect((parsed.facts?.files as unknown[]).length).toBe(failAt);
    }
  });

  it('maps error kinds: input is a check error, anything else internal', () => {
    expect(jsonError(new Error('boom'))).toMatchObject({ kind: 'internal', code: 'INTERNAL_ERROR' });
    expect(jsonError(usageError('X', 'y', { file: 'f', line: 2, column: 3 }))).toEqual({ kind: 'usage', code: 'X', message: 'y', file: 'f', line: 2, column: 3 });
  });
});
