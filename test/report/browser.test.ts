/**
 * The HTML report rendered by a real browser (headless Debian chromium): the DOM it builds has
 * the verdict, the signers and the reason codes as text, hostile names stay text (no element
 * is created from them), and printing gives a non-empty one-page PDF.
 * Skipped only outside CI when chromium is absent; in CI (.ci/run installs it) it must run.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { renderHtml } from '../../src/report/index.js';
import { makeTempDir } from '../helpers/cli.js';
import { pdfPageCount, requireChromium, runChromium, SKIP_BROWSER, warnIfSkipped } from './chromium.js';
import { ceremony, cleanReport, hostileReport, HOSTILE_NAME, INTACT } from './fixtures.js';

warnIfSkipped('the browser test');

const temp = makeTempDir('packet-report-browser-');
afterAll(() => temp.cleanup());
const chromium = (args: string[]): { stdout: string; stderr: string } => runChromium(temp.path, args);

/** The text a reader sees: the DOM without its style, tags removed, entities decoded. */
function visibleText(dom: string): string {
  return dom
    .replace(/<style>[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

describe.skipIf(SKIP_BROWSER)('HTML report in headless chromium', () => {
  let fullPage: string;
  let hostilePage: string;
  let intactPage: string;

  beforeAll(async () => {
    requireChromium();
    const fullDir = join(temp.path, 'full');
    const hostileDir = join(temp.path, 'hostile');
    mkdirSync(fullDir);
    mkdirSync(hostileDir);
    fullPage = join(temp.path, 'full-report.html');
    hostilePage = join(temp.path, 'hostile-report.html');
    writeFileSync(fullPage, renderHtml((await ceremony(fullDir)).report));
    writeFileSync(hostilePage, renderHtml(await hostileReport(hostileDir)));
    const intactDir = join(temp.path, 'intact');
    mkdirSync(intactDir);
    intactPage = join(temp.path, 'intact-report.html');
    writeFileSync(intactPage, renderHtml(await cleanReport(intactDir)));
  });

  test('the rendered DOM shows the verdict, the signers, their roles and the reason codes', () => {
    const dom = chromium(['--dump-dom', `file://${fullPage}`]).stdout;
    const text = visibleText(dom);
    expect(text).toMatch(/^ ?Evidence packet verification PASS: ceremony-packet Verdict: PASS Every covered file matches the manifest; 2 distinct people signed [^.]*\. Packet ceremony-packet ?, digest sha256:[0-9a-f]{64}/);
    expect(text).toContain('Alice Example (alice), operator : counted : good signature Primary key');
    expect(text).toContain('Bob Example (bob), approver : counted : good signature Primary key');
    expect(text).toContain('2 of 2 required distinct people signed: met');
    expect(text).toContain('ok dual-control.people OK');
    expect(text).toContain('By rule: secret-key-value 2 in 1 file; url-password 1 in 1 file.');
  });

  test('an integrity-only verification reads INTACT, never PASS, in the rendered DOM', () => {
    const text = visibleText(chromium(['--dump-dom', `file://${intactPage}`]).stdout);
    expect(text).toContain(`Verdict: ${INTACT} Every covered file matches the manifest. Signatures, time-stamps and dual control were not checked`);
    expect(text).toContain('Packet tenant-acme-resize');
    expect(text).not.toContain('PASS');
  });

  test('hostile file names are text in the DOM, never elements', () => {
    const dom = chromium(['--dump-dom', `file://${hostilePage}`]).stdout;
    expect(dom).not.toMatch(/<script/i);
    expect(dom).not.toMatch(/<img/i);
    const text = visibleText(dom);
    expect(text).toContain('Verdict: FAIL');
    expect(text).toContain(`FAIL file.integrity FILE_MODIFIED payload/evidence/${HOSTILE_NAME}`);
  });

  test('printing makes a non-empty PDF of one page', () => {
    const pdf = join(temp.path, 'full-report.pdf');
    chromium(['--no-pdf-header-footer', `--print-to-pdf=${pdf}`, `file://${fullPage}`]);
    const bytes = readFileSync(pdf);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(bytes.length).toBeGreaterThan(1000);
    expect(pdfPageCount(bytes)).toBe(1);
  });
});
