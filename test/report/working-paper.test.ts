/**
 * The auditor's working paper, Markdown and HTML: every element an auditor signs off on is
 * there, taken from real verifications (a two-person ceremony with RFC 3161 time-stamps, the same
 * packet against a policy trusting another TSA, an integrity-only run, a long evidence list, a
 * packet with hostile file names), and the facts behind it are in the verify Report.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Report } from '../../src/core/result.js';
import { escapeHtml, escapeMarkdown, groupedFingerprint, renderHtml, renderMarkdown } from '../../src/report/index.js';
import { loadTrustPolicy } from '../../src/trust/index.js';
import { verifyPacket } from '../../src/verify/index.js';
import { makeTempDir } from '../helpers/cli.js';
import { makeRoot } from '../timestamp/helpers.js';
import { ceremony, cleanReport, EVALUATED, hostileReport, HOSTILE_BINARY, HOSTILE_NAME, INTACT } from './fixtures.js';

const temp = makeTempDir('packet-working-paper-');
afterAll(() => temp.cleanup());

let full: Report;
let fullPolicy: string;
let otherTsa: Report;
let intact: Report;
let long: Report;
let hostile: Report;
const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  const sub = (name: string): string => {
    const dir = join(temp.path, name);
    mkdirSync(dir);
    return dir;
  };
  const done = await ceremony(sub('full'));
  full = done.report;
  fullPolicy = done.policyFile;
  // The same packet against a policy that trusts another TSA root: no signature counts.
  const otherDir = sub('other-tsa');
  const other = makeRoot('Another Root');
  writeFileSync(join(otherDir, 'other-root.pem'), new X509Certificate(Buffer.from(other.cert)).toString());
  const otherPolicy = join(otherDir, 'policy.yaml');
  writeFileSync(otherPolicy, readFileSync(fullPolicy, 'utf8').replace('roots: [tsa-root.pem]', 'roots: [other-root.pem]').replace(/key: (\w+)\.pub\.asc/g, `key: ${join(temp.path, 'full')}/$1.pub.asc`));
  otherTsa = (await verifyPacket(done.packet, { now: EVALUATED, policy: await loadTrustPolicy(otherPolicy), listEvidence: true })).report;
  intact = await cleanReport(sub('intact'));
  long = (await ceremony(sub('long'), ['alice', 'bob'], { extraFiles: 200 })).report;
  hostile = await hostileReport(sub('hostile'));
});

const md = (report: Report): string => renderMarkdown(report, { toolVersion: '9.9.9-test' });
const html = (report: Report): string => renderHtml(report, { toolVersion: '9.9.9-test' });

/** The text between `<section ... id="ID">` and its `</section>`. */
function section(page: string, id: string): string {
  const match = new RegExp(`<section[^>]*id="${id}"[^>]*>([\\s\\S]*?)</section>`).exec(page);
  expect(match, `section ${id}`).not.toBeNull();
  return (match as RegExpExecArray)[1] as string;
}

/** The text of a Markdown section, from its `## ` heading to the next. */
function mdSection(text: string, heading: string): string {
  const start = text.indexOf(`\n## ${heading}\n`);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

const grouped = (fpr: string): string => (fpr.match(/.{4}/g) as string[]).join('\u00a0');

describe('the verify Report carries the facts (added, none renamed)', () => {
  test('policy path, digest of its bytes, requirements, and TSA roots by subject and SHA-256 of the DER', () => {
    const policy = full.facts?.policy as { path: string; sha256: string; require: unknown; tsa: { name: string; roots: { subject: string; sha256: string }[] }[] };
    expect(policy.path).toBe(fullPolicy);
    expect(policy.sha256).toBe(sha256(readFileSync(fullPolicy)));
    expect(policy.require).toEqual({ signatures: 2, roles: ['operator', 'approver'], timestamps: true });
    const root = new X509Certificate(readFileSync(join(fullPolicy, '../tsa-root.pem')));
    expect(policy.tsa).toEqual([{ name: 'Report Test TSA', roots: [expect.objectContaining({ subject: 'CN=Report Test Root', sha256: sha256(root.raw) })], certificates: [] }]);
  });

  test('each signer: the earlier fields, and signing key, algorithm, TSA, key validity and why', () => {
    const signers = full.facts?.signers as Record<string, unknown>[];
    expect(signers).toHaveLength(2);
    for (const s of signers) {
      expect(Object.keys(s)).toEqual(expect.arrayContaining(['file', 'fingerprint', 'counted', 'signer', 'created', 'trustedTime', 'code']));
      expect(s).toMatchObject({ counted: true, created: '2026-03-01T11:00:00Z', trustedTime: '2026-03-01T12:00:00Z', judgedAt: '2026-03-01T12:00:00Z', algorithm: 'eddsaLegacy', curve: 'ed25519Legacy', hash: 'SHA512' });
      expect(s.signingKey).toBe(s.fingerprint);
      expect(s.tsa).toMatchObject({ name: 'Report Test TSA', subject: 'CN=Test TSA', serial: '010203' });
      expect(s.keyValidity).toMatchObject({ primary: { created: expect.stringMatching(/Z$/), expires: null } });
      expect(s.message).toMatch(/^good signature by (Alice|Bob) Example/);
    }
  });

  test('the evidence list only when asked: path, size and the SHA-256 the manifest lists', () => {
    const evidence = full.facts?.evidence as { count: number; bytes: number; files: { path: string; size: number; sha256: string }[]; omitted: number };
    expect(evidence.count).toBe(3);
    expect(evidence.omitted).toBe(0);
    expect(evidence.files.map((f) => f.path)).toEqual(['payload/evidence/config.json', 'payload/evidence/deploy.log', 'payload/evidence/plan.bin']);
    // plan.bin is binary, so stored unchanged: its bytes are known here
    expect(evidence.files[2]).toEqual({ path: 'payload/evidence/plan.bin', size: 9, sha256: sha256(Buffer.from([0, 1, 2, 3, 255, 254, 0, 0, 7])) });
    expect(evidence.bytes).toBe(evidence.files.reduce((sum, f) => sum + f.size, 0));
  });
});

describe('verdict and reason', () => {
  test('PASS says what was met; FAIL names the first failed check; INTACT says what was not checked', () => {
    expect(md(full)).toContain('Why: Every covered file matches the manifest; 2 distinct people signed with keys the policy pins (it requires 2); the roles operator, approver are each covered by a different person; every counted signature carries a time-stamp from a TSA the policy trusts.');
    expect(otherTsa.verdict).toBe('fail');
    expect(section(html(otherTsa), 'verdict')).toMatch(/<p class="reason">\d+ checks failed; the first: timestamp [A-Z_]+: /);
    expect(md(intact)).toContain('Why: Every covered file matches the manifest. Signatures, time-stamps and dual control were not checked (integrity only, no trust policy): this is not an approval.');
  });

  test('INTACT never reads PASS anywhere, and says no policy was applied', () => {
    for (const text of [md(intact), html(intact)]) {
      expect(text).toContain(INTACT);
      expect(text).not.toMatch(/PASS/);
      expect(text).toContain('None: integrity only. Signatures, time-stamps and dual control were not checked.');
    }
    expect(html(intact)).toContain('<section class="verdict intact" id="verdict">');
    expect(html(intact)).not.toContain('class="verdict pass"');
  });
});

describe('policy, signers, times, key validity', () => {
  test('the policy by path and SHA-256, what it requires, pinned signers and TSA roots', () => {
    const policy = full.facts?.policy as { sha256: string; tsa: { roots: { sha256: string }[] }[] };
    const rootSha = policy.tsa[0]?.roots[0]?.sha256 as string;
    const text = mdSection(md(full), 'Trust policy');
    expect(text).toContain(`| Path | ${escapeMarkdown(fullPolicy)} |`);
    expect(text).toContain(`| SHA-256 | \`${policy.sha256}\` |`);
    expect(text).toContain('| Requires | signatures by at least 2 distinct people whose primary keys it pins; the roles operator, approver, each covered by a different person; a time-stamp from a TSA it trusts on every counted signature |');
    expect(text).toContain(`| Report Test TSA | CN=Report Test Root | \`${rootSha}\` | `);
    const page = section(html(full), 'policy');
    expect(page).toContain(`<dt>SHA-256</dt><dd class="wide"><code>${policy.sha256}</code></dd>`);
    expect(page).toContain(`Report Test TSA: CN=Report Test Root, SHA-256 <code>${rootSha}</code>`);
  });

  test('fingerprints in groups of four with no-break spaces, in both formats', () => {
    const fingerprints = (full.facts?.signers as { fingerprint: string }[]).map((s) => s.fingerprint);
    const text = md(full);
    const page = html(full);
    for (const fpr of fingerprints) {
      expect(text).toContain(`| Primary key | \`${grouped(fpr)}\` (pinned by the policy) |`);
      expect(page).toContain(`<code class="fpr">${grouped(fpr).replace(/\u00a0/g, '&nbsp;')}</code>`);
      // never the plain 40-hex string in a fingerprint field, and never an ordinary space inside
      expect(text).not.toContain(`\`${fpr}\``);
      expect(text).not.toMatch(new RegExp(`${fpr.slice(0, 4)} ${fpr.slice(4, 8)}`));
    }
    expect(page).toMatch(/code\.fpr \{ white-space: nowrap;/);
  });

  test('the checks name signature and time-stamp files by their grouped fingerprint, never broken', () => {
    const fingerprints = (full.facts?.signers as { fingerprint: string }[]).map((s) => s.fingerprint);
    const text = md(full);
    const page = html(full);
    for (const fpr of fingerprints) {
      for (const [dir, ext] of [['signatures', '.asc'], ['timestamps', '.tsr']] as const) {
        expect(text).toContain(`| ${dir}/\`${grouped(fpr)}${ext}\` |`);
        expect(page).toContain(`<td>${dir}/<wbr><span class="fpr-file"><code class="fpr">${grouped(fpr).replace(/\u00a0/g, '&nbsp;')}</code>${ext}</span></td>`);
        expect(page).not.toContain(`${dir}/${fpr}${ext}`);
      }
    }
    expect(page).toMatch(/\.fpr-file \{ white-space: nowrap;/);
  });

  test('each signer: role, signing key and algorithm, claimed and trusted time with the TSA, key validity, why it counts', () => {
    const text = md(full);
    const alice = text.slice(text.indexOf('### Alice Example (alice), operator: counted'));
    expect(alice).toMatch(/\| Signing key \| `[0-9A-F\u00a0]{49}` \(the primary key\), EdDSA Ed25519, hash SHA512 \|/);
    expect(alice).toContain("| Claimed time | 2026-03-01T11:00:00Z (the signer's clock; not proof) |");
    expect(alice).toContain('| Trusted time | 2026-03-01T12:00:00Z (RFC 3161, Report Test TSA; signer CN=Test TSA, serial 010203) |');
    expect(alice).toMatch(/\| Key validity \| primary key \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ to no expiry; judged at 2026-03-01T12:00:00Z \(the trusted time\) \|/);
    expect(alice).toContain('| Counted | **yes**: good signature by Alice Example (alice; operator) |');
    const page = section(html(full), 'signatures');
    expect(page).toContain(`<dt>Claimed time</dt><dd><time>2026-03-01T11:00:00Z</time> <span class="claim">(the signer's clock; not proof)</span></dd>`);
    expect(page).toMatch(/<dt>Key validity<\/dt><dd>primary key [0-9T:-]+Z to no expiry; judged at 2026-03-01T12:00:00Z \(the trusted time\)<\/dd>/);
  });

  test('why a signature did not count: its code and the verifier\'s reason, no trusted time', () => {
    const text = md(otherTsa);
    expect(text).toContain('### Alice Example (alice), operator: not counted');
    expect(text).toContain('| Trusted time | none (no valid time-stamp) |');
    expect(text).toMatch(/\| Counted \| \*\*no\*\* \(`TIMESTAMP_REQUIRED`\): signature by Alice Example has no trusted time-stamp, which the policy requires \|/);
    const page = section(html(otherTsa), 'signatures');
    expect(page).toContain('<span class="status fail">not counted</span> <code>TIMESTAMP_REQUIRED</code><span class="why">: signature by Alice Example has no trusted time-stamp');
  });

  test("created is labelled the builder's claim, never a trusted time", () => {
    expect(md(full)).toContain("| Created | 2026-03-01T10:00:00Z (the builder's own claim) |");
    expect(md(full)).toContain('| Tenant | acme (claim) |');
    expect(section(html(full), 'packet')).toContain('<dt>Tenant</dt><dd>acme <span class="claim">(claim)</span></dd>');
    expect(md(full)).toContain("> Values marked as claims come from packet.json, written by the builder");
    expect(section(html(full), 'packet')).toContain(`<dt>Created</dt><dd><time>2026-03-01T10:00:00Z</time> <span class="claim">(the builder's claim)</span></dd>`);
  });
});

describe('evidence, redaction, footer', () => {
  test('a short evidence list is a table in place', () => {
    const files = (full.facts?.evidence as { files: { path: string; size: number; sha256: string }[] }).files;
    const text = mdSection(md(full), 'Evidence');
    for (const f of files) expect(text).toContain(`| ${f.path} | ${f.size} | \`${f.sha256}\` |`);
    expect(md(full)).not.toContain('Appendix A');
    const page = section(html(full), 'evidence');
    expect(page).not.toContain('<details');
    expect(page.match(/<tr><td>payload\//g)).toHaveLength(3);
  });

  test('203 files: an appendix at the end in Markdown, a closed details element in HTML', () => {
    const text = md(long);
    expect(mdSection(text, 'Evidence')).toContain('The list is in Appendix A at the end.');
    const appendix = text.indexOf('\n## Appendix A: evidence files\n');
    expect(appendix).toBeGreaterThan(text.indexOf('\n## Checks\n'));
    expect(text.slice(appendix).match(/^\| payload\/evidence\/[^|]+ \| \d+ \| `[0-9a-f]{64}` \|$/gm)).toHaveLength(203);
    const page = section(html(long), 'evidence');
    expect(page).toMatch(/<details id="evidence-list"><summary>List of the 203 files with size and SHA-256<\/summary>/);
    expect(page.match(/<tr><td>payload\//g)).toHaveLength(203);
  });

  test('redaction by file and rule, with the caveat that it is heuristic', () => {
    for (const text of [md(full), html(full)]) {
      expect(text).toContain('Redaction is heuristic: the rules find secrets of known shapes and names.');
      expect(text).toMatch(/payload\/evidence\/deploy\.log(<\/td><td><span class="rule">| \| )url-password/);
    }
  });

  test('the footer: packet digest, evaluation time, tool version', () => {
    const digest = full.facts?.digest as string;
    expect(md(full).trimEnd().split('\n').at(-1)).toBe(`Packet digest \`sha256:${digest}\`. Evaluated at 2026-03-02T09:30:00Z by evidence-packet 9.9.9-test (verify; report format evidence-packet/report/v1).`);
    expect(html(full)).toContain(`<footer>Packet digest <code>sha256:${digest}</code>. Evaluated at <time>2026-03-02T09:30:00Z</time> by evidence-packet 9.9.9-test`);
  });
});

describe('hostile values from the packet stay text', () => {
  test('hostile evidence paths are escaped in the evidence list of both formats', () => {
    const text = mdSection(md(hostile), 'Evidence');
    expect(text).toContain(`| ${escapeMarkdown(`payload/evidence/${HOSTILE_NAME}`)} | `);
    expect(text).not.toMatch(/(?<!\\)[<`|](?=script|img)/);
    const page = section(html(hostile), 'evidence');
    expect(page).toContain(`<tr><td>${escapeHtml(`payload/evidence/${HOSTILE_BINARY}`)}</td>`);
    expect(html(hostile)).not.toMatch(/<(script|img)/i);
  });

  test('hostile signer facts: a fingerprint that is not hex, a forged algorithm and user id, a bad window', () => {
    const report = structuredClone(full);
    const signer = (report.facts?.signers as Record<string, unknown>[])[0] as Record<string, unknown>;
    signer.fingerprint = '<b>ABCD</b> 1234';
    signer.algorithm = '<img src=x>';
    signer.keyValidity = { primary: { created: 5, expires: 'x' }, userId: '</dd><script>x</script>' };
    signer.message = '| forged | row |\n`x`';
    const page = html(report);
    expect(page).not.toMatch(/<(script|img|b)>/i);
    const first = page.slice(page.indexOf('<article'), page.indexOf('</article>'));
    expect(first).toContain('<code>&lt;b&gt;ABCD&lt;/b&gt; 1234</code>');
    expect(first).toContain('&lt;img src=x&gt;');
    expect(first).not.toContain('<dt>Key validity</dt>');
    expect(first).toContain('&lt;/dd&gt;&lt;script&gt;x&lt;/script&gt; <span class="claim">');
    const text = md(report);
    expect(text).toContain('\\<b\\>ABCD\\</b\\> 1234');
    expect(text).toContain('\\| forged \\| row \\| \\`x\\`');
  });
});

describe('groupedFingerprint', () => {
  test('v4 (40 hex) and v5/v6 (64 hex) in fours with no-break spaces; anything else is not grouped', () => {
    expect(groupedFingerprint('0123456789abcdef0123456789ABCDEF01234567')).toBe('0123\u00a04567\u00a089AB\u00a0CDEF\u00a00123\u00a04567\u00a089AB\u00a0CDEF\u00a00123\u00a04567');
    expect(groupedFingerprint('A'.repeat(64))?.split('\u00a0')).toHaveLength(16);
    for (const bad of ['A'.repeat(41), 'A'.repeat(39), `${'A'.repeat(36)}<b>x`, '', 'ABCD ABCD ABCD ABCD ABCD ABCD ABCD ABCD ABCD ABCD']) expect(groupedFingerprint(bad)).toBeUndefined();
  });
});
