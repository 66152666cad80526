import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Report } from '../../src/core/result.js';
import { escapeMarkdown, renderMarkdown } from '../../src/report/index.js';
import { makeTempDir } from '../helpers/cli.js';
import { ceremony, cleanReport, hostileReport, HOSTILE_BINARY, HOSTILE_NAME, INTACT, tamperedReport } from './fixtures.js';

const temp = makeTempDir('packet-report-md-');
const reports: Record<'clean' | 'tampered' | 'full' | 'incomplete' | 'hostile', Report> = {} as never;

beforeAll(async () => {
  const sub = (name: string): string => {
    const dir = join(temp.path, name);
    mkdirSync(dir);
    return dir;
  };
  reports.clean = await cleanReport(sub('clean'));
  reports.tampered = await tamperedReport(sub('tampered'));
  reports.full = (await ceremony(sub('full'))).report;
  reports.incomplete = (await ceremony(sub('incomplete'), ['alice'])).report;
  reports.hostile = await hostileReport(sub('hostile'));
});
afterAll(() => temp.cleanup());

const md = (report: Report): string => renderMarkdown(report, { toolVersion: '9.9.9-test' });

/** Split a GFM table row into cells, honouring `\|` escapes. */
function cells(row: string): string[] {
  return row
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

function tableRows(text: string, header: string): string[][] {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith(header));
  expect(start, `table ${header}`).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(cells(line));
  }
  return rows;
}

describe('renderMarkdown: verdict first', () => {
  test('each verdict is the first heading, with the packet name and digest', () => {
    const cases = [
      [reports.clean, INTACT, 'tenant-acme-resize'],
      [reports.tampered, 'FAIL', 'tampered-packet'],
      [reports.full, 'PASS', 'ceremony-packet'],
      [reports.incomplete, 'INCOMPLETE', 'ceremony-packet'],
    ] as const;
    for (const [report, verdict, name] of cases) {
      const lines = md(report).split('\n');
      expect(lines[0]).toBe(`# Evidence packet verification: ${verdict}`);
      expect(lines[2]).toContain(`**${verdict}**`);
      expect(lines[2]).toContain(`packet ${escapeMarkdown(name)}`);
      expect(lines[2]).toContain(`sha256:${report.facts?.digest as string}`);
    }
  });

  test('the footer gives the evaluation time and the tool version', () => {
    expect(md(reports.full)).toContain('Evaluated at 2026-03-02T09:30:00Z by evidence-packet 9.9.9-test');
  });
});

describe('renderMarkdown: full ceremony', () => {
  test('who signed, in which role, at the trusted time, counted', () => {
    const text = md(reports.full);
    for (const [name, role] of [['Alice Example (alice)', 'operator'], ['Bob Example (bob)', 'approver']] as const) {
      const heading = `### ${name}, ${role}: counted`;
      expect(text).toContain(heading);
      const rows = Object.fromEntries(tableRows(text.slice(text.indexOf(heading)), '| Field |').map(([k, v]) => [k, v]));
      expect(rows['Primary key']).toMatch(/^`[0-9A-F]{4}(\u00a0[0-9A-F]{4}){9}` \(pinned by the policy\)$/);
      expect(rows['Trusted time']).toBe('2026-03-01T12:00:00Z (RFC 3161, Report Test TSA; signer CN=Test TSA, serial 010203)');
      expect(rows.Counted).toBe(`**yes**: good signature by ${name.replace(')', `; ${role})`)}`);
    }
  });

  test('dual control is met, with each role named to its person', () => {
    const text = md(reports.full);
    expect(text).toContain('2 of 2 required distinct people signed: **met**');
    expect(text).toContain('operator by Alice Example (alice)');
    expect(text).toContain('approver by Bob Example (bob)');
    expect(text).not.toContain('- Missing:');
  });

  test('every check of the report is listed with its status, id and code', () => {
    const rows = tableRows(md(reports.full), '| Status |');
    expect(rows).toHaveLength(reports.full.checks.length);
    expect(rows.map((r) => r[1]).sort()).toEqual(reports.full.checks.map((c) => c.id).sort());
    expect(rows.every((r) => r[0] === 'ok' && r[2] === '`OK`')).toBe(true);
  });
});

describe('renderMarkdown: incomplete and failed', () => {
  test('an incomplete ceremony says who is missing and lists the warning codes first', () => {
    const text = md(reports.incomplete);
    expect(text).toContain('1 of 2 required distinct people signed: **not met**');
    expect(text).toContain('- Missing: 1 more person; role approver');
    const rows = tableRows(text, '| Status |');
    expect(rows[0]?.[0]).toBe('WARN');
    expect(rows.slice(0, 2).map((r) => r[2]).sort()).toEqual(['`DUAL_CONTROL_ROLES_NOT_COVERED`', '`DUAL_CONTROL_TOO_FEW_PEOPLE`']);
  });

  test('a tampered packet lists FILE_MODIFIED first, with the file as subject', () => {
    const rows = tableRows(md(reports.tampered), '| Status |');
    expect(rows[0]?.slice(0, 4)).toEqual(['FAIL', 'file.integrity', '`FILE_MODIFIED`', 'payload/evidence/deploy.log']);
  });

  test('an unsigned packet says so instead of showing an empty table', () => {
    const text = md(reports.clean);
    expect(text).toContain('The packet carries no signatures.');
    expect(text).not.toContain('### ');
    expect(text).not.toContain('## Dual control');
  });
});

describe('renderMarkdown: redaction', () => {
  test('counts by rule and by file, names binary files not scanned, never a value', () => {
    const text = md(reports.clean);
    const byRule = tableRows(text, '| Rule |');
    expect(text).toContain('Redaction is heuristic');
    expect(byRule).toContainEqual(['url-password', '1', '1']);
    const total = byRule.reduce((sum, row) => sum + Number(row[1]), 0);
    expect(text).toContain(`${total} values were redacted with the default rules`);
    expect(tableRows(text, '| File |')).toContainEqual(['payload/evidence/deploy.log', 'url-password', '1']);
    expect(text).toContain('not scanned for secrets: payload/evidence/plan.bin');
    for (const secret of ['Sup3rS3cretPassw0rd', 'hunter2-but-longer', 'k-1234567890abcdef']) expect(text).not.toContain(secret);
  });
});

describe('renderMarkdown: hostile values stay literal text', () => {
  test('file names with markup, pipes and backticks are escaped in every table', () => {
    const text = md(reports.hostile);
    // no raw HTML: every angle bracket is backslash-escaped
    expect(text).not.toMatch(/(?<!\\)</);
    expect(text).toContain('\\<script\\>');
    const escaped = escapeMarkdown(`payload/evidence/${HOSTILE_NAME}`);
    // the name appears in the redaction table and as the subject of the failed check
    expect(tableRows(text, '| File |')).toContainEqual([escaped, 'url-password', '1']);
    const failed = tableRows(text, '| Status |')[0];
    expect(failed?.slice(0, 4)).toEqual(['FAIL', 'file.integrity', '`FILE_MODIFIED`', escaped]);
    expect(failed).toHaveLength(5);
    expect(text).toContain(escapeMarkdown(`payload/evidence/${HOSTILE_BINARY}`));
  });

  test('a newline, pipe or backtick in a message cannot break the table', () => {
    const report = structuredClone(reports.tampered);
    const first = report.checks[0];
    if (first === undefined) throw new Error('no checks');
    first.message = 'line one\n| injected | row |\n`code` <b>bold</b> [link](http://x)';
    const rows = tableRows(md(report), '| Status |');
    expect(rows).toHaveLength(report.checks.length);
    for (const row of rows) expect(row).toHaveLength(5);
  });

  test('malformed facts (a hostile packet.json) are dropped, never crash', () => {
    const report = structuredClone(reports.full);
    report.facts = { digest: '<x>', packet: { name: 42, files: { count: -1 }, redaction: { files: [{ file: 1 }, null], notScanned: [3] } }, signers: [null, { file: 'x' }], dualControl: 'yes' };
    const text = md(report);
    expect(text).toContain('digest unknown');
    expect(text).toContain('The packet carries no signatures.');
    expect(text).toContain('0 values were redacted');
  });
});

describe('escapeMarkdown', () => {
  test('escapes markup characters and flattens lines', () => {
    expect(escapeMarkdown('a|b')).toBe('a\\|b');
    expect(escapeMarkdown('`x`')).toBe('\\`x\\`');
    expect(escapeMarkdown('<script>')).toBe('\\<script\\>');
    expect(escapeMarkdown('one\r\ntwo')).toBe('one two');
    expect(escapeMarkdown('a\u202Eb')).toBe('a\\<U+202E\\>b');
    expect(escapeMarkdown('nul\u0000')).toBe('nul\\\\x00');
  });

  test('property: any string becomes one line with no unescaped pipe, backtick or angle bracket', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (value) => {
        const out = escapeMarkdown(value);
        expect(out).not.toMatch(/[\r\n]/);
        // every special character is preceded by an odd number of backslashes
        for (const match of out.matchAll(/(\\*)([|`<>])/g)) expect((match[1] as string).length % 2).toBe(1);
      }),
    );
  });
});

describe('renderMarkdown: bounded output', () => {
  test('a huge report lists the first checks and rows, and counts the rest', () => {
    const report = structuredClone(reports.tampered);
    report.checks = Array.from({ length: 5000 }, (_, i) => ({ id: 'file.integrity', status: 'fail' as const, code: 'FILE_MODIFIED', message: `m${i}`, subject: `payload/f${i}` }));
    const packet = (report.facts as { packet: { redaction: { files: unknown[] } } }).packet;
    packet.redaction.files = Array.from({ length: 5000 }, (_, i) => ({ file: `payload/f${i}`, rule: `rule-${i}`, count: 1 }));
    const text = renderMarkdown(report, { toolVersion: 'x', maxChecks: 100, maxRows: 20 });
    expect(tableRows(text, '| Status |')).toHaveLength(101);
    expect(text).toContain('4900 more checks not shown');
    expect(text).toContain('4980 more rules not shown');
    expect(text).toContain('4980 more rows not shown');
    expect(text.length).toBeLessThan(20_000);
  });
});
