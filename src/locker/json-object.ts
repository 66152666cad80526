/** Parse a bounded JSON object body (bytes, or their UTF-8 text as an index pack holds it); a reason instead of a throw when it is not one. */
export function parseBoundedObject(bytes: Buffer | string, maxBytes: number): { value: Record<string, unknown> } | { problem: string } {
  if ((typeof bytes === 'string' ? Buffer.byteLength(bytes, 'utf8') : bytes.length) > maxBytes) return { problem: `larger than ${maxBytes} bytes` };
  let raw: unknown;
  try {
    raw = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch {
    return { problem: 'not JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { problem: 'not a JSON object' };
  return { value: raw as Record<string, unknown> };
}
