/**
 * Making untrusted text safe to show. Every string in a report may come from a hostile packet,
 * key, token or policy: an ANSI escape in a notation name could erase the FAIL lines above it
 * and paint a green PASS, a line break could forge a check line, a bidi control could make a
 * file name read backwards. Such characters are shown visibly, as an escape a reader can see,
 * never passed through or silently dropped.
 */

// C0 controls, DEL, C1 controls (0x9B is a one-byte CSI), and lone surrogates.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const CONTROL_KEEPING_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// Bidi embeddings, overrides and isolates, marks, and invisible separators that reorder or hide text.
const INVISIBLE = /[\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(ch: string): string {
  const named = NAMED[ch];
  if (named !== undefined) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}` : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * `\x1B`, `\n`, `\u009B`, `<U+202E>`: control characters and invisible reordering characters
 * made visible. With `keepLineBreaks`, tab, LF and CR stay (for renderers whose own syntax
 * neutralizes them, such as Markdown tables and HTML).
 */
export function visible(text: string, options: { keepLineBreaks?: boolean } = {}): string {
  return text
    .replace(options.keepLineBreaks === true ? CONTROL_KEEPING_LINES : CONTROL, escapeOne)
    .replace(INVISIBLE, (ch) => `<U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}>`);
}
