/** The streaming redactor: UTF-8 Buffers in, UTF-8 Buffers out, byte-identical to redactText. */
import { StringDecoder } from 'node:string_decoder';
import { Transform, type TransformCallback } from 'node:stream';
import { LineEngine } from './engine.js';
import type { TextOptions } from './text.js';
import type { RedactionRecord, RuleSet } from './types.js';

export type TextRedactor = Transform & { records(): RedactionRecord[] };

/**
 * Input chunks are decoded, redacted and encoded in slices of at most this many bytes. Strings
 * this small live in the young generation; decoding or encoding a 1 MiB chunk at once allocates
 * a large string or buffer each time, and that (not the transcoding) cost several times the
 * redaction itself (see docs/redaction.md, Performance). Output never depends on the cuts.
 */
const SLICE_BYTES = 64 * 1024;

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
        if (typeof chunk === 'string') emit(this, engine.push(chunk));
        else for (let at = 0; at < chunk.length; at += SLICE_BYTES) emit(this, engine.push(decoder.write(chunk.subarray(at, at + SLICE_BYTES))));
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        emit(this, engine.push(decoder.end()) + engine.end());
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
  return Object.assign(transform, { records: () => engine.records() });
}

function emit(stream: Transform, text: string): void {
  if (text.length > 0) stream.push(Buffer.from(text, 'utf8'));
}
