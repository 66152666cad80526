/**
 * The shell blocks of README.md and docs/*.md, and the marker that says how each is tested.
 *
 * Convention: every fenced block whose language is sh, bash, shell or console is preceded (as
 * the last non-blank line before its fence) by one HTML comment, invisible on GitHub:
 *
 *   <!-- doc-test: run from=DIR [needs=a,b] [status=N] [expect="TEXT"] [forbid="TEXT"] [replace="OLD => NEW"]... -->
 *   <!-- doc-test: skip reason="why this block cannot run in a test" -->
 *
 * - `from` is the folder the reader runs the block from, relative to the repository root (`.`).
 * - `needs` names what the test prepares first (keys, a policy, a local TSA...: see workspace.ts).
 * - `status` is the exit status the block must end with (default 0); give an expected failure
 *   a block of its own.
 * - `expect` / `forbid`: text the block's standard output must / must not contain.
 * - `replace` swaps text the reader would type for what the test has (a network TSA's URL for
 *   the local one, a placeholder for a value); NEW is shell text, so `$VAR` expands.
 *
 * The blocks of one document run in order, in one temporary copy of the repository, each with
 * `bash -e -o pipefail`: files carry over from block to block, shell variables do not.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SHELL_LANGUAGES = new Set(['sh', 'bash', 'shell', 'console']);
export const FIXTURES = ['signers', 'policy', 'tsa', 'locker', 'packet'] as const;
export type Fixture = (typeof FIXTURES)[number];

export interface RunMarker {
  kind: 'run';
  from: string;
  needs: Fixture[];
  status: number;
  expect: string[];
  forbid: string[];
  replace: Array<{ from: string; to: string }>;
}

export interface SkipMarker {
  kind: 'skip';
  reason: string;
}

export interface ShellBlock {
  /** Path relative to the repository root, e.g. `docs/ceremony.md`. */
  doc: string;
  /** 1-based line of the opening fence. */
  line: number;
  body: string;
  marker?: RunMarker | SkipMarker;
  /** Why the marker could not be read, when it could not. */
  markerProblem?: string;
}

const MARKER = /^<!--\s*doc-test:\s*(run|skip)\b(.*?)-->\s*$/;
const ATTRIBUTE = /([a-z]+)=(?:"([^"]*)"|(\S+))/g;

/** The documents whose shell blocks are tested: README.md and every docs/*.md. */
export function documentPaths(root: string): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

export function shellBlocks(root: string, doc: string): ShellBlock[] {
  return parseShellBlocks(doc, readFileSync(join(root, doc), 'utf8'));
}

export function parseShellBlocks(doc: string, text: string): ShellBlock[] {
  const lines = text.split('\n');
  const blocks: ShellBlock[] = [];
  let lastNonBlank = '';
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i] as string);
    if (fence === null) {
      if ((lines[i] as string).trim() !== '') lastNonBlank = (lines[i] as string).trim();
      continue;
    }
    const [, indent, ticks, language] = fence as unknown as [string, string, string, string];
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !(lines[i] as string).trimStart().startsWith(ticks as string); i++) body.push((lines[i] as string).slice(indent.length));
    if (SHELL_LANGUAGES.has(language.toLowerCase())) {
      const block: ShellBlock = { doc, line: start + 1, body: body.join('\n') };
      const read = readMarker(lastNonBlank);
      if (typeof read === 'string') block.markerProblem = read;
      else if (read !== undefined) block.marker = read;
      blocks.push(block);
    }
    lastNonBlank = '';
  }
  return blocks;
}

function readMarker(line: string): RunMarker | SkipMarker | string | undefined {
  if (!line.startsWith('<!--') || !line.includes('doc-test')) return undefined;
  const match = MARKER.exec(line);
  if (match === null) return `unreadable marker: ${line}`;
  const attributes: Array<[string, string]> = [...(match[2] as string).matchAll(ATTRIBUTE)].map((m) => [m[1] as string, (m[2] ?? m[3]) as string]);
  const leftover = (match[2] as string).replace(ATTRIBUTE, '').trim();
  if (leftover !== '') return `unreadable text in marker: ${leftover}`;
  const one = (name: string): string | undefined => attributes.find(([key]) => key === name)?.[1];
  const all = (name: string): string[] => attributes.filter(([key]) => key === name).map(([, value]) => value);
  if (match[1] === 'skip') {
    const reason = one('reason')?.trim() ?? '';
    if (attributes.some(([key]) => key !== 'reason')) return 'a skip marker takes only reason="..."';
    return reason.length < 10 ? 'a skip marker needs reason="..." saying why (at least 10 characters)' : { kind: 'skip', reason };
  }
  const known = new Set(['from', 'needs', 'status', 'expect', 'forbid', 'replace']);
  const unknown = attributes.find(([key]) => !known.has(key));
  if (unknown !== undefined) return `unknown marker attribute ${unknown[0]}`;
  const from = one('from');
  if (from === undefined || from.startsWith('/') || from.split('/').includes('..')) return 'a run marker needs from=DIR, relative to the repository root';
  const needs = (one('needs') ?? '').split(',').filter((n) => n !== '');
  const bad = needs.find((n) => !(FIXTURES as readonly string[]).includes(n));
  if (bad !== undefined) return `unknown fixture ${bad} (known: ${FIXTURES.join(', ')})`;
  const status = Number(one('status') ?? '0');
  if (!Number.isInteger(status) || status < 0 || status > 255) return 'status must be an exit status';
  const replace: RunMarker['replace'] = [];
  for (const value of all('replace')) {
    const [old, to] = value.split(' => ');
    if (old === undefined || to === undefined || old === '') return `replace="${value}" must read "OLD => NEW"`;
    replace.push({ from: old, to });
  }
  return { kind: 'run', from, needs: needs as Fixture[], status, expect: all('expect'), forbid: all('forbid'), replace };
}

/** The script a block runs as: a trap naming the failing line, a cd to its folder, then the block. */
export function scriptFor(block: ShellBlock, marker: RunMarker): { script: string; missing: string[] } {
  let body = block.body;
  const missing: string[] = [];
  for (const { from, to } of marker.replace) {
    if (!body.includes(from)) missing.push(from);
    body = body.split(from).join(to);
  }
  // One line before the body, so that script line N is doc line (fence line + N - 1).
  const preamble = `trap 'echo "doc-test: failed at script line $LINENO" >&2' ERR; cd -- ${JSON.stringify(marker.from)}`;
  return { script: `${preamble}\n${body}\n`, missing };
}

/** The doc line of the command that failed, from the trap's message (the fence line when unknown). */
export function failedDocLine(block: ShellBlock, stderr: string): number {
  const scriptLine = /doc-test: failed at script line (\d+)/.exec(stderr)?.[1];
  return scriptLine === undefined ? block.line : block.line + Number(scriptLine) - 1;
}
