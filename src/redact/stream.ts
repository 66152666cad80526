/** The streaming redactor: UTF-8 Buffers in, UTF-8 Buffers out, byte-identical to redactText. */
import { isUtf8 } from 'node:buffer';
import { StringDecoder } from 'node:string_decoder';
import { Transform, type TransformCallback } from 'node:stream';
import { LineEngine } from './engine.js';
import type { TextOptions } from './text.js';
import type { RedactionRecord, RuleSet } from './types.js';

export type TextRedactor = Transform & { records(): RedactionRecord[] };

/**
 * Input is redacted in slices of whole lines of at most about this many bytes (a longer line is
 * cut; the engine joins it again). Small strings and buffers live in V8's young generation;
 * decoding, encoding and allocating 1 MiB at a time cost several times the redaction itself
 * (see docs/redaction.md, Performance). The output never depends on the cuts.
 */
const SLICE_BYTES = 64 * 1024;

/**
 * A Transform that redacts like {@link redactText} whatever the chunk boundaries. Memory is
 * bounded by the longest line, itself bounded by MAX_LINE_CHARS (1 Mi UTF-16 units: longer
 * lines are cut into segments, see engine.ts), plus at most MAX_HELD_CHARS of a held YAML
 * document. Invalid UTF-8 becomes U+FFFD, as with Buffer#toString: pass text files only.
 * `records()` is complete once the stream has finished.
 *
 * Fast path: when the engine gives a slice back unchanged and the slice is valid UTF-8 decoded
 * on its own, the input bytes themselves are passed on, with no re-encoding.
 */
export function createTextRedactor(rules: RuleSet, options: TextOptions = {}): TextRedactor {
  const engine = new LineEngine(rules, 'redact', options.path);
  const decoder = new StringDecoder('utf8');
  /** The decoder holds no bytes of an unfinished character. */
  let decoderClean = true;
  /** The end of the previous chunk after its last newline, not yet redacted. */
  let carry: Buffer[] = [];
  let carryBytes = 0;

  function redactBytes(stream: Transform, bytes: Buffer): void {
    if (bytes.length === 0) return;
    const whole = decoderClean && isUtf8(bytes);
    const text = decoder.write(bytes);
    decoderClean = whole || bytes[bytes.length - 1] === 0x0a;
    const out = engine.push(text);
    if (out.length > 0) stream.push(whole && out === text ? bytes : encodeUtf8(out));
  }

  function redactChunk(stream: Transform, chunk: Buffer): void {
    let at = 0;
    if (carryBytes > 0) {
      const newline = chunk.indexOf(0x0a);
      if (newline === -1 && carryBytes + chunk.length <= SLICE_BYTES) {
        carry.push(chunk);
        carryBytes += chunk.length;
        return;
      }
      at = newline === -1 ? chunk.length : Math.min(newline + 1, SLICE_BYTES);
      redactBytes(stream, Buffer.concat([...carry, chunk.subarray(0, at)]));
      carry = [];
      carryBytes = 0;
    }
    while (at < chunk.length) {
      const limit = Math.min(at + SLICE_BYTES, chunk.length);
      // Searched within the window only, so a chunk without newlines costs linear time.
      const found = chunk.subarray(at, limit).lastIndexOf(0x0a);
      const newline = found === -1 ? -1 : at + found;
      if (newline < at && limit === chunk.length) {
        // The chunk ends inside a line: wait for the rest of it.
        carry = [chunk.subarray(at)];
        carryBytes = chunk.length - at;
        return;
      }
      const end = newline < at ? limit : newline + 1;
      redactBytes(stream, chunk.subarray(at, end));
      at = end;
    }
  }

  const transform = new Transform({
    transform(chunk: Buffer | string, _encoding: BufferEncoding, callback: TransformCallback) {
      try {
        if (typeof chunk === 'string') redactChunk(this, Buffer.from(chunk, 'utf8'));
        else redactChunk(this, chunk);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        redactBytes(this, Buffer.concat(carry));
        const out = engine.push(decoder.end()) + engine.end();
        if (out.length > 0) this.push(encodeUtf8(out));
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
  return Object.assign(transform, { records: () => engine.records() });
}

/**
 * Node's UTF-8 encoder is several times slower than its Latin-1 one; for ASCII text (exactly
 * when the UTF-8 length equals the UTF-16 length) both give the same bytes.
 */
function encodeUtf8(text: string): Buffer {
  return Buffer.from(text, Buffer.byteLength(text, 'utf8') === text.length ? 'latin1' : 'utf8');
}
