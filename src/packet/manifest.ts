import { checkPacketPath, compareByBytes, DEFAULT_LIMITS, type PacketLimits } from './format.js';

/**
 * manifest.sha256: one line per covered file, `<64 lowercase hex><two spaces><path>\n`, sorted by
 * path bytes, LF only, UTF-8 NFC paths, no duplicates. It is exactly what `sha256sum` prints and
 * what `sha256sum -c` reads.
 */
export interface ManifestEntry {
  path: string;
  sha256: string;
}

export function serializeManifest(entries: readonly ManifestEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => compareByBytes(a.path, b.path));
  return Buffer.from(sorted.map((e) => `${e.sha256}  ${e.path}\n`).join(''), 'utf8');
}

export interface ManifestProblem {
  code: string;
  line?: number;
  message: string;
}

export type ManifestParse = { ok: true; entries: ManifestEntry[] } | { ok: false; problems: ManifestProblem[] };

const LINE = /^([0-9a-f]{64}) {2}(.+)$/;

/** Parse strictly: any deviation from the one canonical form is a problem with its own code. */
export function parseManifest(bytes: Uint8Array, limits: PacketLimits = DEFAULT_LIMITS): ManifestParse {
  if (bytes.byteLength > limits.maxManifestBytes) {
    return failed({ code: 'MANIFEST_TOO_LARGE', message: `manifest is larger than ${limits.maxManifestBytes} bytes` });
  }
  if (bytes.byteLength === 0) return failed({ code: 'MANIFEST_EMPTY', message: 'manifest is empty' });
  const text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(bytes);
  if (text.includes('\ufffd')) return failed({ code: 'MANIFEST_BAD_UTF8', message: 'manifest is not valid UTF-8' });
  if (text.includes('\r')) return failed({ code: 'MANIFEST_CRLF', message: 'manifest contains carriage returns; lines must end in LF only' });
  if (!text.endsWith('\n')) return failed({ code: 'MANIFEST_NO_FINAL_NEWLINE', message: 'manifest does not end with a newline' });

  const problems: ManifestProblem[] = [];
  const entries: ManifestEntry[] = [];
  const seen = new Set<string>();
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((line, index) => {
    const lineNo = index + 1;
    const m = LINE.exec(line);
    if (m === null) {
      const hex = /^([0-9A-Fa-f]{64}) {2}/.test(line);
      problems.push(
        hex
          ? { code: 'MANIFEST_BAD_HEX', line: lineNo, message: `line ${lineNo}: digest must be 64 lower-case hex digits` }
          : { code: 'MANIFEST_BAD_LINE', line: lineNo, message: `line ${lineNo}: expected "<sha256>  <path>"` },
      );
      return;
    }
    const [, sha256, path] = m as unknown as [string, string, string];
    const pathProblem = checkPacketPath(path, limits);
    if (pathProblem !== undefined) {
      const code = pathProblem === 'PATH_NOT_NFC' ? 'MANIFEST_PATH_NOT_NFC' : 'MANIFEST_BAD_PATH';
      problems.push({ code, line: lineNo, message: `line ${lineNo}: path is not allowed (${pathProblem})` });
      return;
    }
    if (seen.has(path)) {
      problems.push({ code: 'MANIFEST_DUPLICATE', line: lineNo, message: `line ${lineNo}: ${path} is listed twice` });
      return;
    }
    const previous = entries[entries.length - 1];
    if (previous !== undefined && compareByBytes(previous.path, path) > 0) {
      problems.push({ code: 'MANIFEST_NOT_SORTED', line: lineNo, message: `line ${lineNo}: ${path} is out of byte order` });
    }
    seen.add(path);
    entries.push({ path, sha256 });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, entries };
}

function failed(problem: ManifestProblem): ManifestParse {
  return { ok: false, problems: [problem] };
}
