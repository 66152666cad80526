/** Parse a bounded JSON object body; a reason instead of a throw when it is not one. */
export function parseBoundedObject(bytes: Buffer, maxBytes: number): { value: Record<string, unknown> } | { problem: string } {
  if (bytes.length > maxBytes) return { problem: `larger than ${maxBytes} bytes` };
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { problem: 'not JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { problem: 'not a JSON object' };
  return { value: raw as Record<string, unknown> };
}
