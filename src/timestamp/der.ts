/**
 * A strict DER reader (X.690 sec. 10): definite, minimal lengths; primitive strings; no bytes
 * after the outer element; bounded nesting. Used to find the exact bytes a signature covers
 * (CMS signs the received encoding, never a re-encoding) and to refuse BER or malformed input
 * before any typed parser sees it. Throws `DerError`; callers turn it into a reason code.
 */

export const MAX_DER_DEPTH = 32;

export class DerError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'DerError';
    this.code = code;
  }
}

export interface DerNode {
  /** The identifier octet (class, constructed bit, tag number < 31). */
  tag: number;
  constructed: boolean;
  /** Offset of the identifier octet. */
  start: number;
  /** Offset of the first content octet. */
  contentStart: number;
  /** Offset just after the element. */
  end: number;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  SEQUENCE: 0x30,
  SET: 0x31,
  GENERALIZED_TIME: 0x18,
} as const;

/** Read one element at `offset`, which must end at or before `limit`. */
export function readNode(bytes: Uint8Array, offset: number, limit = bytes.length): DerNode {
  if (offset >= limit) throw new DerError('DER_TRUNCATED', 'element expected but input ended');
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('DER_UNSUPPORTED_TAG', 'high tag numbers are not used by these structures');
  const constructed = (tag & 0x20) !== 0;
  if (offset + 1 >= limit) throw new DerError('DER_TRUNCATED', 'length octet missing');
  const first = bytes[offset + 1]!;
  let length: number;
  let contentStart: number;
  if (first < 0x80) {
    length = first;
    contentStart = offset + 2;
  } else if (first === 0x80) {
    throw new DerError('DER_INDEFINITE_LENGTH', 'indefinite length is BER, not DER');
  } else {
    const count = first & 0x7f;
    if (count > 4) throw new DerError('DER_BAD_LENGTH', 'length field too long');
    if (offset + 2 + count > limit) throw new DerError('DER_TRUNCATED', 'length octets missing');
    length = 0;
    for (let i = 0; i < count; i += 1) length = length * 256 + bytes[offset + 2 + i]!;
    if (bytes[offset + 2] === 0 || length < 0x80) throw new DerError('DER_BAD_LENGTH', 'length is not minimally encoded');
    contentStart = offset + 2 + count;
  }
  const end = contentStart + length;
  if (end > limit) throw new DerError('DER_TRUNCATED', 'element runs past the end of its container');
  return { tag, constructed, start: offset, contentStart, end };
}

/** The elements directly inside a constructed element. */
export function childrenOf(bytes: Uint8Array, node: DerNode): DerNode[] {
  if (!node.constructed) throw new DerError('DER_UNEXPECTED_TAG', 'expected a constructed element');
  const result: DerNode[] = [];
  let offset = node.contentStart;
  while (offset < node.end) {
    const child = readNode(bytes, offset, node.end);
    result.push(child);
    offset = child.end;
  }
  return result;
}

/** Parse `bytes` as exactly one DER element and check its whole tree; returns the root. */
export function parseStrictDer(bytes: Uint8Array, maxDepth = MAX_DER_DEPTH): DerNode {
  const root = readNode(bytes, 0);
  if (root.end !== bytes.length) throw new DerError('DER_TRAILING_BYTES', 'bytes follow the outer element');
  checkTree(bytes, root, 0, maxDepth);
  return root;
}

function checkTree(bytes: Uint8Array, node: DerNode, depth: number, maxDepth: number): void {
  if (depth > maxDepth) throw new DerError('DER_TOO_DEEP', `nesting deeper than ${maxDepth}`);
  const universal = (node.tag & 0xc0) === 0;
  if (!node.constructed) {
    if (universal) checkPrimitive(bytes, node);
    return;
  }
  if (universal && node.tag !== TAG.SEQUENCE && node.tag !== TAG.SET) {
    throw new DerError('DER_CONSTRUCTED_STRING', 'constructed strings are BER, not DER');
  }
  for (const child of childrenOf(bytes, node)) checkTree(bytes, child, depth + 1, maxDepth);
}

function checkPrimitive(bytes: Uint8Array, node: DerNode): void {
  const length = node.end - node.contentStart;
  const at = (i: number): number => bytes[node.contentStart + i]!;
  if (node.tag === TAG.INTEGER) {
    if (length === 0) throw new DerError('DER_BAD_INTEGER', 'empty integer');
    if (length > 1 && ((at(0) === 0 && (at(1) & 0x80) === 0) || (at(0) === 0xff && (at(1) & 0x80) !== 0))) {
      throw new DerError('DER_BAD_INTEGER', 'integer is not minimally encoded');
    }
  } else if (node.tag === TAG.BOOLEAN) {
    if (length !== 1 || (at(0) !== 0 && at(0) !== 0xff)) throw new DerError('DER_BAD_BOOLEAN', 'boolean must be 00 or FF');
  } else if (node.tag === TAG.NULL) {
    if (length !== 0) throw new DerError('DER_BAD_NULL', 'null must be empty');
  }
}

/** The content octets of a node. */
export function contentOf(bytes: Uint8Array, node: DerNode): Uint8Array {
  return bytes.subarray(node.contentStart, node.end);
}

/** The whole encoding (identifier, length, content) of a node. */
export function encodingOf(bytes: Uint8Array, node: DerNode): Uint8Array {
  return bytes.subarray(node.start, node.end);
}

export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (node === undefined) throw new DerError('DER_MISSING', `${what} is missing`);
  if (node.tag !== tag) throw new DerError('DER_UNEXPECTED_TAG', `${what} has tag 0x${node.tag.toString(16)}, expected 0x${tag.toString(16)}`);
  return node;
}

/** Decode an OBJECT IDENTIFIER's content octets to dotted form. */
export function decodeOid(content: Uint8Array): string {
  if (content.length === 0 || content.length > 64) throw new DerError('DER_BAD_OID', 'bad object identifier length');
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < content.length; i += 1) {
    const byte = content[i]!;
    if (value === 0 && byte === 0x80) throw new DerError('DER_BAD_OID', 'object identifier arc not minimal');
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError('DER_BAD_OID', 'object identifier arc too large');
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    } else if (i === content.length - 1) {
      throw new DerError('DER_BAD_OID', 'object identifier ends mid-arc');
    }
  }
  const first = arcs.shift()!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs].join('.');
}

// ---- encoding (for requests, tokens and certificates we build) ----

export function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const octets: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) octets.unshift(n % 256);
  return Uint8Array.of(0x80 | octets.length, ...octets);
}

export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const content = concatBytes(parts);
  return concatBytes([Uint8Array.of(tag), encodeLength(content.length), content]);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function encodeOid(oid: string): Uint8Array {
  const arcs = oid.split('.').map((arc) => Number(arc));
  const values = [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)];
  const out: number[] = [];
  for (const value of values) {
    const chunk: number[] = [value & 0x7f];
    for (let n = Math.floor(value / 128); n > 0; n = Math.floor(n / 128)) chunk.unshift(0x80 | (n & 0x7f));
    out.push(...chunk);
  }
  return tlv(TAG.OID, Uint8Array.from(out));
}

export function encodeSetOf(elements: Uint8Array[], tag: number = TAG.SET): Uint8Array {
  // DER (X.690 sec. 11.6): SET OF elements sorted by their encodings.
  const sorted = [...elements].sort(compareBytes);
  return tlv(tag, ...sorted);
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, b) === 0;
}

/** A copy that owns its memory (Buffer#slice would alias the input). */
export function copy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}
