import { checkPacketPath, DEFAULT_LIMITS, PAYLOAD_DIR, type PacketLimits } from './format.js';
import type { ManifestProblem } from './manifest.js';

/**
 * The manifest as the verifier holds it: its bytes and one 4-byte offset per line, nothing per
 * file on the JavaScript heap. A million-file manifest costs its own size plus 4 MB, where
 * an object per entry cost about 1 KB each. Lookups are binary searches over the path bytes,
 * which the format keeps sorted.
 */
export class ManifestIndex {
  private constructor(
    private readonly bytes: Buffer,
    private readonly starts: Uint32Array,
    /** Lines whose path starts with `payload/`. */
    readonly payloadCount: number,
  ) {}

  get size(): number {
    return this.starts.length;
  }

  /** The line index of `path`, or -1. */
  find(path: string): number {
    const key = Buffer.from(path, 'utf8');
    let low = 0;
    let high = this.starts.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const order = Buffer.compare(this.pathBytes(mid), key);
      if (order === 0) return mid;
      if (order < 0) low = mid + 1;
      else high = mid - 1;
    }
    return -1;
  }

  /** Whether some listed path starts with `prefix` (a folder's name and `/`). */
  hasPrefix(prefix: string): boolean {
    const key = Buffer.from(prefix, 'utf8');
    let low = 0;
    let high = this.starts.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (Buffer.compare(this.pathBytes(mid), key) < 0) low = mid + 1;
      else high = mid;
    }
    if (low >= this.starts.length) return false;
    const found = this.pathBytes(low);
    return found.length >= key.length && found.subarray(0, key.length).equals(key);
  }

  path(i: number): string {
    return this.pathBytes(i).toString('utf8');
  }

  /** The listed SHA-256, 64 lower-case hex. */
  digest(i: number): string {
    const start = this.starts[i] as number;
    return this.bytes.toString('latin1', start, start + 64);
  }

  private pathBytes(i: number): Buffer {
    const start = (this.starts[i] as number) + 66;
    const end = i + 1 < this.starts.length ? (this.starts[i + 1] as number) - 1 : this.bytes.length - 1;
    return this.bytes.subarray(start, end);
  }

  /**
   * Index and check a manifest strictly, as `parseManifest` does, without an object per line.
   * At most `maxProblems` problems are listed; `more` counts the rest.
   */
  static build(bytes: Buffer, limits: PacketLimits = DEFAULT_LIMITS, maxProblems = 1000): IndexResult {
    const problems: ManifestProblem[] = [];
    let more = 0;
    const problem = (p: ManifestProblem): void => {
      if (problems.length < maxProblems) problems.push(p);
      else more += 1;
    };
    if (bytes.byteLength > limits.maxManifestBytes) {
      return failed({ code: 'MANIFEST_TOO_LARGE', message: `manifest is larger than ${limits.maxManifestBytes} bytes` });
    }
    if (bytes.byteLength === 0) return failed({ code: 'MANIFEST_EMPTY', message: 'manifest is empty' });
    if (bytes.includes(0x0d)) return failed({ code: 'MANIFEST_CRLF', message: 'manifest contains carriage returns; lines must end in LF only' });
    if (bytes[bytes.length - 1] !== 0x0a) return failed({ code: 'MANIFEST_NO_FINAL_NEWLINE', message: 'manifest does not end with a newline' });

    let lines = 0;
    for (let at = bytes.indexOf(0x0a); at !== -1; at = bytes.indexOf(0x0a, at + 1)) lines += 1;
    const starts = new Uint32Array(lines);
    let payloadCount = 0;
    let previous: Buffer | undefined;
    let start = 0;
    for (let i = 0; i < lines; i += 1) {
      const end = bytes.indexOf(0x0a, start);
      starts[i] = start;
      const lineNo = i + 1;
      const line = bytes.subarray(start, end);
      start = end + 1;
      const text = line.toString('utf8');
      if (text.includes('\ufffd')) {
        // The first line with invalid UTF-8 decides, as decoding the whole manifest would.
        return failed({ code: 'MANIFEST_BAD_UTF8', message: 'manifest is not valid UTF-8' });
      }
      if (!isHexLine(line)) {
        const hex = /^([0-9A-Fa-f]{64}) {2}/.test(text);
        problem(
          hex
            ? { code: 'MANIFEST_BAD_HEX', line: lineNo, message: `line ${lineNo}: digest must be 64 lower-case hex digits` }
            : { code: 'MANIFEST_BAD_LINE', line: lineNo, message: `line ${lineNo}: expected "<sha256>  <path>"` },
        );
        previous = undefined;
        continue;
      }
      const path = text.slice(66);
      const pathProblem = checkPacketPath(path, limits);
      if (pathProblem !== undefined) {
        const code = pathProblem === 'PATH_NOT_NFC' ? 'MANIFEST_PATH_NOT_NFC' : 'MANIFEST_BAD_PATH';
        problem({ code, line: lineNo, message: `line ${lineNo}: path is not allowed (${pathProblem})` });
        previous = undefined;
        continue;
      }
      const pathBytes = line.subarray(66);
      if (previous !== undefined) {
        const order = Buffer.compare(previous, pathBytes);
        if (order === 0) problem({ code: 'MANIFEST_DUPLICATE', line: lineNo, message: `line ${lineNo}: ${path} is listed twice` });
        else if (order > 0) problem({ code: 'MANIFEST_NOT_SORTED', line: lineNo, message: `line ${lineNo}: ${path} is out of byte order` });
      }
      previous = pathBytes;
      if (path.startsWith(`${PAYLOAD_DIR}/`)) payloadCount += 1;
    }
    if (problems.length > 0) return { ok: false, problems, more };
    return { ok: true, index: new ManifestIndex(bytes, starts, payloadCount) };
  }
}

export type IndexResult = { ok: true; index: ManifestIndex } | { ok: false; problems: ManifestProblem[]; more: number };

function failed(problem: ManifestProblem): IndexResult {
  return { ok: false, problems: [problem], more: 0 };
}

/** `<64 lower-case hex><two spaces><at least one byte>` */
function isHexLine(line: Buffer): boolean {
  if (line.length < 67 || line[64] !== 0x20 || line[65] !== 0x20) return false;
  for (let i = 0; i < 64; i += 1) {
    const c = line[i] as number;
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}
