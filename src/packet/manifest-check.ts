import { checkPacketPath, DEFAULT_LIMITS, PAYLOAD_DIR, type PacketLimits } from './format.js';
import type { ManifestProblem } from './manifest.js';

/**
 * The strict manifest checks of `parseManifest`, made one line at a time so that a manifest can
 * be checked as it streams past: nothing is kept per line. Feed every line (without its LF) to
 * `line`, then ask `result` with what the whole file showed (its size, whether it had a carriage
 * return, whether it ended with LF).
 */
export class ManifestChecker {
  private readonly problems: ManifestProblem[] = [];
  private more = 0;
  private badUtf8 = false;
  /** The previous good line's path bytes (a reused buffer: lines come from reused chunks). */
  private previous = Buffer.alloc(256);
  private previousLength = -1;
  lines = 0;
  payloadLines = 0;

  constructor(
    private readonly limits: PacketLimits = DEFAULT_LIMITS,
    private readonly maxProblems = 1000,
  ) {}

  /** Check one line; returns its path when the line is good. */
  line(line: Buffer): string | undefined {
    this.lines += 1;
    if (this.badUtf8) return undefined; // the whole manifest fails with one reason already
    const lineNo = this.lines;
    const text = line.toString('utf8');
    if (text.includes('\ufffd')) {
      // The first line with invalid UTF-8 decides, as decoding the whole manifest would.
      this.badUtf8 = true;
      return undefined;
    }
    if (!isHexLine(line)) {
      const hex = /^([0-9A-Fa-f]{64}) {2}/.test(text);
      this.problem(
        hex
          ? { code: 'MANIFEST_BAD_HEX', line: lineNo, message: `line ${lineNo}: digest must be 64 lower-case hex digits` }
          : { code: 'MANIFEST_BAD_LINE', line: lineNo, message: `line ${lineNo}: expected "<sha256>  <path>"` },
      );
      this.previousLength = -1;
      return undefined;
    }
    const path = text.slice(66);
    const pathProblem = checkPacketPath(path, this.limits);
    if (pathProblem !== undefined) {
      const code = pathProblem === 'PATH_NOT_NFC' ? 'MANIFEST_PATH_NOT_NFC' : 'MANIFEST_BAD_PATH';
      this.problem({ code, line: lineNo, message: `line ${lineNo}: path is not allowed (${pathProblem})` });
      this.previousLength = -1;
      return undefined;
    }
    const pathBytes = line.subarray(66);
    if (this.previousLength >= 0) {
      const order = Buffer.compare(this.previous.subarray(0, this.previousLength), pathBytes);
      if (order === 0) this.problem({ code: 'MANIFEST_DUPLICATE', line: lineNo, message: `line ${lineNo}: ${path} is listed twice` });
      else if (order > 0) this.problem({ code: 'MANIFEST_NOT_SORTED', line: lineNo, message: `line ${lineNo}: ${path} is out of byte order` });
    }
    if (pathBytes.length > this.previous.length) this.previous = Buffer.alloc(pathBytes.length * 2);
    pathBytes.copy(this.previous);
    this.previousLength = pathBytes.length;
    if (path.startsWith(`${PAYLOAD_DIR}/`)) this.payloadLines += 1;
    return path;
  }

  /** The verdict on the whole file, in the order `parseManifest` applies its checks. */
  result(whole: { size: number; carriageReturn: boolean; finalNewline: boolean }): { problems: ManifestProblem[]; more: number } {
    const one = (problem: ManifestProblem): { problems: ManifestProblem[]; more: number } => ({ problems: [problem], more: 0 });
    if (whole.size > this.limits.maxManifestBytes) return one({ code: 'MANIFEST_TOO_LARGE', message: `manifest is larger than ${this.limits.maxManifestBytes} bytes` });
    if (whole.size === 0) return one({ code: 'MANIFEST_EMPTY', message: 'manifest is empty' });
    if (whole.carriageReturn) return one({ code: 'MANIFEST_CRLF', message: 'manifest contains carriage returns; lines must end in LF only' });
    if (!whole.finalNewline) return one({ code: 'MANIFEST_NO_FINAL_NEWLINE', message: 'manifest does not end with a newline' });
    if (this.badUtf8) return one({ code: 'MANIFEST_BAD_UTF8', message: 'manifest is not valid UTF-8' });
    return { problems: this.problems, more: this.more };
  }

  private problem(problem: ManifestProblem): void {
    if (this.problems.length < this.maxProblems) this.problems.push(problem);
    else this.more += 1;
  }
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
