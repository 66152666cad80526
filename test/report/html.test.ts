import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from '../../src/core/result.js';
import { escapeHtml, renderHtml } from '../../src/report/index.js';
import { makeTempDir } from '../helpers/cli.js';
import { ceremony, cleanReport, hostileReport, HOSTILE_BINARY, HOSTILE_NAME, INTACT, tamperedReport } from './fixtures.js';

const temp = makeTempDir('packet-report-html-');
let clean: Report;
let full: Report;
let incomplete: Report;
let tampered: Report;
let hostile: Report;

beforeAll(async () => {
  const sub = (name: string): string => {
    const dir = join(temp.path, name);
    mkdirSync(dir);
    return dir;
  };
  clean = await cleanReport(sub('clean'));
  full = (await ceremony(sub('full'))).report;
  incomplete = (await ceremony(sub('incomplete'), ['alice'])).report;
  tampered = await tamperedReport(sub('tampered'));
  hostile = await hostileReport(sub('hostile'));
});
afterAll(() => temp.cleanup());

const html = (report: Report): string => renderHtml(report, { toolVersion: '9.9.9-test' });

/** The text between `<section ... id="ID">` and its `</section>`. */
function section(page: string, id: string): string {
  const match = new RegExp(`<section[^>]*id="${id}"[^>]*>([\\s\\S]*?)</section>`).exec(page);
  expect(match, `section ${id}`).not.toBeNull();
  return (match as RegExpExecArray)[1] as string;
}

describe('renderHtml: a self-contained page', () => {
  test('no scripts, no external URLs, inline CSS with a print stylesheet and a strict CSP', () => {
    for (const report of [clean, full, incomplete, tampered, hostile]) {
      const page = html(report);
      expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
      expect(page).not.toMatch(/<script/i);
      // every tag is ours: none loads or links anything (hostile text is escaped, so it has no tags)
      for (const tag of page.match(/<[^>]*>/g) ?? []) expect(tag).not.toMatch(/\s(src|href|action|srcset)\s*=|url\(|\/\/|^<(a|img|link|iframe|object|embed|form|base)\b/i);
      expect(page).not.toMatch(/url\(|@import/i);
      expect(page).toContain('@media print');
      expect(page).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    }
  });

  test('the verdict comes first, with the packet name and digest', () => {
    const cases = [
      [clean, 'intact', INTACT],
      [full, 'pass', 'PASS'],
      [incomplete, 'incomplete', 'INCOMPLETE'],
      [tampered, 'fail', 'FAIL'],
    ] as const;
    for (const [report, cls, verdict] of cases) {
      const page = html(report);
      const body = page.slice(page.indexOf('<body>'));
      expect(body.indexOf('id="verdict"')).toBeLessThan(body.indexOf('id="packet"'));
      const head = section(page, 'verdict');
      expect(head).toContain(`Verdict: <span class="status ${cls}">${verdict}</span>`);
      expect(page).toContain(`<title>Evidence packet verification ${verdict}: `);
      expect(head).toContain(`sha256:${report.facts?.digest as string}`);
    }
  });
});

describe('renderHtml: content', () => {
  test('full ceremony: signers with roles and trusted time, dual control met', () => {
    const signatures = section(html(full), 'signatures');
    expect(signatures).toContain('<h3>Alice Example (alice), <span class="roles">operator</span>: <span class="status pass">counted</span>');
    expect(signatures).toContain('<h3>Bob Example (bob), <span class="roles">approver</span>: <span class="status pass">counted</span>');
    expect(signatures.match(/<dt>Trusted time<\/dt><dd>2026-03-01T12:00:00Z \(RFC 3161, Report Test TSA; signer CN=Test TSA, serial 010203\)<\/dd>/g)).toHaveLength(2);
    const dual = section(html(full), 'dual-control');
    expect(dual).toContain('2 of 2 required distinct people signed');
    expect(dual).toContain('operator by Alice Example (alice), approver by Bob Example (bob)');
  });

  test('incomplete: what is missing, and the warning codes', () => {
    const page = html(incomplete);
    expect(section(page, 'dual-control')).toContain('Missing: 1 more person; role approver');
    const checks = section(page, 'checks');
    expect(checks).toContain('<code>DUAL_CONTROL_TOO_FEW_PEOPLE</code>');
    expect(checks).toContain('<code>DUAL_CONTROL_ROLES_NOT_COVERED</code>');
  });

  test('every check appears as a row with its status class', () => {
    const checks = section(html(tampered), 'checks');
    expect(checks.match(/<tr class="check /g)).toHaveLength(tampered.checks.length);
    expect(checks).toMatch(/<tr class="check fail"><td class="status fail">FAIL<\/td><td>file\.integrity<\/td><td><code>FILE_MODIFIED<\/code><\/td>/);
  });

  test('redaction by rule and file, binary files not scanned, no secret value', () => {
    const page = html(clean);
    const redaction = section(page, 'redaction');
    expect(redaction).toContain('<span class="rule">url-password</span> 1 in 1 file');
    expect(redaction).toContain('<tr><td>payload/evidence/deploy.log</td><td><span class="rule">url-password</span> 1</td></tr>');
    expect(redaction).toContain('not scanned for secrets: payload/evidence/plan.bin');
    for (const secret of ['Sup3rS3cretPassw0rd', 'hunter2-but-longer', 'k-1234567890abcdef']) expect(page).not.toContain(secret);
  });

  test('footer: evaluation time and tool version', () => {
    expect(html(full)).toContain('Evaluated at <time>2026-03-02T09:30:00Z</time> by evidence-packet 9.9.9-test');
  });
});

describe('renderHtml: hostile values are escaped everywhere', () => {
  test('hostile file names from a real packet', () => {
    const page = html(hostile);
    const name = escapeHtml(`payload/evidence/${HOSTILE_NAME}`);
    expect(name).toContain('&lt;script&gt;alert(&quot;x&quot;)&amp;&#39;');
    expect(section(page, 'redaction')).toContain(`<td>${name}</td>`);
    expect(section(page, 'redaction')).toContain(escapeHtml(`payload/evidence/${HOSTILE_BINARY}`));
    expect(section(page, 'checks')).toContain(`<td>${name}</td>`);
    expect(page).not.toContain('<img');
  });

  test('hostile packet.json name, signer name, message, cause and hint', () => {
    const report = structuredClone(full);
    const attack = `</td></tr></table><script>alert('x')</script><a href="https://evil.example/">&amp;`;
    const facts = report.facts as { packet: { name: string }; signers: { signer: { name: string } }[] };
    facts.packet.name = attack;
    (facts.signers[0] as { signer: { name: string } }).signer.name = attack;
    report.checks[0] = { id: attack, status: 'fail', code: attack, message: attack, cause: attack, hint: attack, subject: attack };
    const page = html(report);
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toContain('<a ');
    for (const tag of ['table', 'dl', 'article', 'section']) expect(page.match(new RegExp(`<${tag}[ >]`, 'g'))?.length, tag).toBe(page.match(new RegExp(`</${tag}>`, 'g'))?.length);
    expect(section(page, 'checks').match(/<tr class="check /g)).toHaveLength(report.checks.length);
    const escaped = escapeHtml(attack);
    expect(escaped).toContain('&amp;amp;');
    // packet name in the title and the verdict, the signer's name, and four check fields
    expect(page.split(escaped).length - 1).toBeGreaterThanOrEqual(8);
  });

  test('bidi controls and NUL are made visible, not rendered', () => {
    const report = structuredClone(clean);
    (report.facts as { packet: { name: string } }).packet.name = 'gol\u202Eexe.\u0000txt';
    const page = html(report);
    expect(page).toContain('gol&lt;U+202E&gt;exe.\\x00txt');
    expect(page).not.toContain('\u0000');
    expect(page).not.toContain('\u202E');
  });
});

describe('escapeHtml', () => {
  test('property: the output has no markup characters except entity ampersands', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (value) => {
        const out = escapeHtml(value);
        expect(out).not.toMatch(/[<>"']/);
        expect(out.replace(/&(amp|lt|gt|quot|#39);/g, '')).not.toContain('&');
      }),
    );
  });
});
