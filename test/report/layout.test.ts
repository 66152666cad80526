/**
 * The working paper's layout in a real browser (headless Debian chromium): a signer with an RSA
 * key and a signing subkey (two 40-hex fingerprints) and a long user id, with 3 and with 203
 * evidence files. A small script, added to a copy of the page only, measures what could go wrong:
 * horizontal overflow, a fingerprint broken across lines, a long evidence list left open. The
 * short report must print on one page; both are also rendered to PNG and PDF.
 * Set REPORT_LAYOUT_OUT=DIR to keep the PNG and PDF files for a person to look at.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { renderHtml } from '../../src/report/index.js';
import { makeTempDir } from '../helpers/cli.js';
import { toTestKey, type TestKey } from '../signing/keys.js';
import { pdfPageCount, requireChromium, runChromium, SKIP_BROWSER, warnIfSkipped } from './chromium.js';
import { ceremony } from './fixtures.js';

warnIfSkipped('the report layout test');

const temp = makeTempDir('packet-report-layout-');
const out = process.env.REPORT_LAYOUT_OUT ?? join(temp.path, 'out');
afterAll(() => temp.cleanup());

const LONG_NAME = 'Alexandra Maximiliana Example-Longsurname (Platform Operations, EU Central, on-call rotation B)';
const LONG_EMAIL = 'alexandra.maximiliana.example-longsurname@platform-operations.eu-central.example.org';

/** RSA 2048, v4, with a signing subkey and an expiry, made before the fixture's signing time. */
async function rsaKeyWithLongUserId(): Promise<TestKey> {
  const { privateKey } = await openpgp.generateKey({
    type: 'rsa',
    rsaBits: 2048,
    userIDs: [{ name: LONG_NAME, email: LONG_EMAIL }],
    date: new Date('2026-01-15T08:00:00Z'),
    keyExpirationTime: 2 * 365 * 24 * 3600,
    subkeys: [{ sign: true }],
    format: 'object',
    config: { v6Keys: false },
  });
  return toTestKey(privateKey);
}

interface Layout {
  scrollWidth: number;
  clientWidth: number;
  fingerprints: { text: string; lines: number; height: number; lineHeight: number }[];
  detailsOpen: boolean | null;
  evidenceRows: number;
  evidenceRowsShown: number;
}

const MEASURE = `<script>
(() => {
  const root = document.documentElement;
  const fingerprints = [...document.querySelectorAll('code.fpr')].map((e) => ({
    text: e.textContent,
    lines: e.getClientRects().length,
    height: e.getBoundingClientRect().height,
    lineHeight: parseFloat(getComputedStyle(e).fontSize) * 1.6,
  }));
  const details = document.querySelector('details#evidence-list');
  const rows = [...document.querySelectorAll('table.evidence-list tbody tr')];
  const result = {
    scrollWidth: root.scrollWidth,
    clientWidth: root.clientWidth,
    fingerprints,
    detailsOpen: details === null ? null : details.open,
    evidenceRows: rows.length,
    evidenceRowsShown: rows.filter((r) => r.checkVisibility()).length,
  };
  const pre = document.createElement('pre');
  pre.id = 'layout';
  pre.textContent = JSON.stringify(result);
  document.body.appendChild(pre);
})();
</script>`;

/** Lay out a copy of the page with the measuring script (the report itself forbids scripts) at a window width. */
function measure(page: string, name: string, width: number): Layout {
  const copy = page
    .replace(`content="default-src 'none'; style-src 'unsafe-inline'"`, `content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"`)
    .replace('</body>', `${MEASURE}\n</body>`);
  const file = join(temp.path, `${name}-measure-${width}.html`);
  writeFileSync(file, copy);
  const dom = runChromium(temp.path, [`--window-size=${width},900`, '--dump-dom', `file://${file}`]).stdout;
  const match = /<pre id="layout">([^<]*)<\/pre>/.exec(dom);
  expect(match, 'the measuring script ran').not.toBeNull();
  return JSON.parse((match as RegExpExecArray)[1]!.replace(/&quot;/g, '"').replace(/&nbsp;/g, '\u00a0').replace(/&amp;/g, '&')) as Layout;
}

describe.skipIf(SKIP_BROWSER)('the working paper laid out by headless chromium', () => {
  const pages: Record<'short' | 'long', string> = { short: '', long: '' };

  beforeAll(async () => {
    requireChromium();
    mkdirSync(out, { recursive: true });
    const key = await rsaKeyWithLongUserId();
    for (const [name, extraFiles] of [['short', 0], ['long', 200]] as const) {
      const dir = join(temp.path, name);
      mkdirSync(dir);
      const { report } = await ceremony(dir, ['alice', 'bob'], { aliceKey: key, aliceName: LONG_NAME, extraFiles });
      expect(report.verdict).toBe('pass');
      pages[name] = join(out, `working-paper-${name}.html`);
      writeFileSync(pages[name], renderHtml(report));
    }
  });

  for (const width of [1280, 800]) {
    test(`at ${width} px: no horizontal overflow and every fingerprint on one line`, () => {
      for (const name of ['short', 'long'] as const) {
        const layout = measure(readFileSync(pages[name], 'utf8'), name, width);
        expect(layout.clientWidth).toBe(width);
        expect(layout.scrollWidth, `${name}: document wider than the window`).toBeLessThanOrEqual(layout.clientWidth);
        // The RSA signer's primary key and signing subkey, Bob's key and signing key, both pinned
        // in the policy, and the two signature and two time-stamp files named in the checks:
        // ten fingerprints, each one line of ten groups of four.
        expect(layout.fingerprints).toHaveLength(10);
        for (const fpr of layout.fingerprints) {
          expect(fpr.text).toMatch(/^[0-9A-F]{4}(\u00a0[0-9A-F]{4}){9}$/);
          expect(fpr.lines, `${fpr.text} broken across lines`).toBe(1);
          expect(fpr.height).toBeLessThan(fpr.lineHeight);
        }
      }
    });
  }

  test('a short evidence list is shown; 203 files are folded away in a closed details element', () => {
    const short = measure(readFileSync(pages.short, 'utf8'), 'short', 1280);
    expect(short.detailsOpen).toBeNull();
    expect(short.evidenceRows).toBe(3);
    expect(short.evidenceRowsShown).toBe(3);
    const long = measure(readFileSync(pages.long, 'utf8'), 'long', 1280);
    expect(long.detailsOpen).toBe(false);
    expect(long.evidenceRows).toBe(203);
    expect(long.evidenceRowsShown).toBe(0);
  });

  test('screenshots, and printed PDFs on Letter and A4: one page each, the long list folded away', () => {
    for (const name of ['short', 'long'] as const) {
      const png = join(out, `working-paper-${name}.png`);
      runChromium(temp.path, ['--window-size=1280,1800', `--screenshot=${png}`, `file://${pages[name]}`]);
      const image = readFileSync(png);
      expect(image.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(image.readUInt32BE(16)).toBe(1280);
      // US Letter (chromium's default paper), and A4 through a copy that asks for it: the page
      // itself leaves the paper size to the printer.
      const a4 = join(temp.path, `working-paper-${name}-a4.html`);
      writeFileSync(a4, readFileSync(pages[name], 'utf8').replace('</style>', '@page { size: A4; }</style>'));
      for (const [paper, page] of [['letter', pages[name]], ['a4', a4]] as const) {
        const pdf = join(out, `working-paper-${name}-${paper}.pdf`);
        runChromium(temp.path, ['--no-pdf-header-footer', `--print-to-pdf=${pdf}`, `file://${page}`]);
        const bytes = readFileSync(pdf);
        expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
        expect(pdfPageCount(bytes), `${name} report on ${paper}: pages`).toBe(1);
        const size = /\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/.exec(bytes.toString('latin1'));
        expect(size?.slice(1, 3).map((n) => Math.round(Number(n))), `${paper} paper`).toEqual(paper === 'a4' ? [595, 842] : [612, 792]);
      }
    }
  });
});
