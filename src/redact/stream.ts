/** The streaming redactor: UTF-8 Buffers in, UTF-8 Buffers out, byte-identical to redactText. */
import { StringDecoder } from 'node:string_decoder';
import { Transform, type TransformCallback } from 'node:stream';
import { LineEngine } from './engine.js';
import type { TextOptions } from './text.js';
import type { RedactionRecord, RuleSet } from './types.js';

export type TextRedactor = Transform & { records(): RedactionRecord[] };

/**
 * A Transform that redacts like {@link redactText} whatever the chunk boundaries. Memory is
 * bounded by the longest line, itself bounded by MAX_LINE_CHARS (1 Mi UTF-16 units: longer
 * lines are cut into segments, see engine.ts), plus at most MAX_HELD_CHARS of a held YAML
 * document. Invalid UTF-8 becomes U+FFFD, as with Buffer#toString: pass text files only.
 * `records()` is complete once the stream has finished.
 */
export function createTextRedactor(rules: RuleSet, options: TextOptions = {}): TextRedactor {
  const engine = new LineEngine(rules, 'redact', options.path);
  const decoder = new StringDecoder('utf8');
  const transform = new Transform({
    transform(chunk: Buffer | string, _encoding: BufferEncoding, callback: TransformCallback) {
      try {
        const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
        const out = engine.push(text);
        callback(null, out.length > 0 ? Buffer.from(out, 'utf8') : undefined);
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        const out = engine.push(decoder.end()) + engine.end();
        callback(null, out.length > 0 ? Buffer.from(out, 'utf8') : undefined);
      } catch (error) {
        callback(error as Error);
      }
    },
  });
  return Object.assign(transform, { records: () => engine.records() });
}
