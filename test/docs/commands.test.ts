/**
 * Every shell command shown in README.md and docs/*.md runs, from the folder its doc says, and
 * does what the doc says (exit status, and text where the marker asks). The convention is in
 * blocks.ts; a block that cannot run here is marked skip with its reason, and a block with no
 * marker fails the first test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/cli.js';
import { documentPaths, failedDocLine, parseShellBlocks, scriptFor, shellBlocks, type RunMarker, type ShellBlock } from './blocks.js';
import { makeWorkspace, runBash } from './workspace.js';

// About 15 s for the longest document (README.md) on an idle machine; the margin is for a shared,
// loaded one, where each of its ~25 commands may take seconds to start.
const DOC_TIMEOUT_MS = 240_000;
const documents = documentPaths(PROJECT_ROOT).map((doc) => ({ doc, blocks: shellBlocks(PROJECT_ROOT, doc) }));

describe('doc blocks: the convention', () => {
  it('every shell block in README.md and docs/*.md carries a readable run or skip marker', () => {
    const problems = documents.flatMap(({ blocks }) => blocks.filter((b) => b.marker === undefined).map((b) => `${b.doc}:${b.line}: ${b.markerProblem ?? 'no <!-- doc-test: run ... --> or <!-- doc-test: skip reason="..." --> marker before this block'}`));
    expect(problems).toEqual([]);
  });

  it('finds an unmarked or badly marked block (so the check above can fail)', () => {
    const blocks = parseShellBlocks(
      'x.md',
      [
        '```sh',
        'packet --help',
        '```',
        '<!-- doc-test: skip reason="x" -->',
        '```bash',
        'true',
        '```',
        '<!-- doc-test: run from=../elsewhere -->',
        '```sh',
        'true',
        '```',
        '<!-- doc-test: run from=docs needs=signers,tsa status=4 replace="A => $B" -->',
        '',
        '```console',
        'true',
        '```',
        '```yaml',
        'not: shell',
        '```',
      ].join('\n'),
    );
    expect(blocks.map((b) => [b.line, b.marker?.kind, b.markerProblem !== undefined])).toEqual([
      [1, undefined, false],
      [5, undefined, true],
      [9, undefined, true],
      [14, 'run', false],
    ]);
    expect(blocks[3]?.marker).toMatchObject({ from: 'docs', needs: ['signers', 'tsa'], status: 4, replace: [{ from: 'A', to: '$B' }] });
  });

  it('maps a failing command to its line in the doc', async () => {
    const [block] = parseShellBlocks('x.md', ['intro', '<!-- doc-test: run from=. -->', '```sh', 'true', 'echo fine', 'false   # line 6', 'echo never', '```'].join('\n'));
    const marker = block?.marker as RunMarker;
    const dir = mkdtempSync(join(tmpdir(), 'doc-test-map-'));
    try {
      const result = await runBash(scriptFor(block as ShellBlock, marker).script, dir, { PATH: process.env.PATH });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('fine\n');
      expect(failedDocLine(block as ShellBlock, result.stderr)).toBe(6);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs most blocks: a skip is the exception', () => {
    const all = documents.flatMap(({ blocks }) => blocks);
    const run = all.filter((b) => b.marker?.kind === 'run');
    expect(run.length).toBeGreaterThan(all.length / 2);
  });
});

describe('doc blocks: run from the folder the doc says', () => {
  for (const { doc, blocks } of documents) {
    const runnable = blocks.filter((b): b is ShellBlock & { marker: RunMarker } => b.marker?.kind === 'run');
    if (runnable.length === 0) continue;
    // Documents are independent (each has its own copy, GNUPGHOME and TSA), so they run side by side.
    it.concurrent(`${doc} (${runnable.length} block${runnable.length === 1 ? '' : 's'})`, async ({ expect }) => {
      const workspace = makeWorkspace();
      try {
        for (const block of runnable) {
          await workspace.prepare(block.marker.needs);
          const { script, missing } = scriptFor(block, block.marker);
          expect(missing, `${doc}:${block.line}: replace= text not found in the block`).toEqual([]);
          const result = await workspace.run(script);
          // DOC_TEST_SHOW=1 prints what each block printed, to read the docs' output while writing them.
          if (process.env.DOC_TEST_SHOW === '1') console.log(`=== ${doc}:${block.line}\n${result.stdout}\n--- stderr\n${result.stderr}`);
          const where = `${doc}:${failedDocLine(block, result.stderr)}`;
          const context = `\n--- stdout\n${result.stdout.slice(-2000)}\n--- stderr\n${result.stderr.slice(-2000)}`;
          expect(result.code, `${where}: exit ${result.code}, the doc expects ${block.marker.status}${context}`).toBe(block.marker.status);
          for (const text of block.marker.expect) expect(result.stdout.includes(text), `${doc}:${block.line}: stdout lacks "${text}"${context}`).toBe(true);
          for (const text of block.marker.forbid) expect(result.stdout.includes(text), `${doc}:${block.line}: stdout has "${text}"${context}`).toBe(false);
        }
      } finally {
        await workspace.cleanup();
      }
    }, DOC_TIMEOUT_MS);
  }
});
