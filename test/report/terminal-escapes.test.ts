/**
 * Terminal escapes from a hostile packet (issue 12). A signature carries a critical notation
 * whose name is an ANSI sequence that moves the cursor up, erases the line and prints a green
 * PASS; a key file name and a message carry line breaks, C1 CSI and bidi controls. Every
 * renderer shows them visibly; none passes a control character through. The notation gets
 * its own reason code, not SIGNATURE_MISMATCH.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { canonicalize } from 'json-canonicalize';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Report } from '../../src/core/result.js';
import { renderGithub, renderHtml, renderMarkdown, renderSarif, renderStatus, renderText, visible } from '../../src/report/index.js';
import { loadTrustPolicy } from '../../src/trust/index.js';
import { verifyPacket } from '../../src/verify/index.js';
import { makeTempDir, runCli } from '../helpers/cli.js';
import { makeCorpusFixture, SIGNED_AT, VERIFY_AT, type CorpusFixture } from '../vectors/fixture.js';
import { nameOf, parseTar, serializeTar, setData } from '../vectors/tar.js';

const FORGED_PASS = '\u001b[1A\u001b[2K\u001b[32mpacket verify: PASS\u001b[0m';
const HOSTILE = [FORGED_PASS, '\u009b2K', 'line\n  ok   signature forged', 'gol\u202eexe.txt', '\u0007bell\u007f', '\r  ok  '];
// Any C0/C1 control but the line breaks a renderer writes itself, and the bidi controls.
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const temp = makeTempDir('packet-escapes-');
let fixture: CorpusFixture;
let report: Report;
let packet: string;
beforeAll(async () => {
  fixture = await makeCorpusFixture(temp.path);
  const entries = parseTar(fixture.base);
  const manifest = entries.find((e) => nameOf(e) === 'manifest.sha256')?.data as Buffer;
  const signature = await openpgp.sign({
    message: await openpgp.createMessage({ binary: manifest }),
    signingKeys: fixture.alice.privateKey,
    detached: true,
    format: 'armored',
    date: SIGNED_AT,
    signatureNotations: [{ name: `${FORGED_PASS}@example.org`, value: new TextEncoder().encode('x'), humanReadable: true, critical: true }],
  });
  const target = entries.find((e) => nameOf(e) === `signatures/${fixture.alice.fingerprint}.asc`);
  if (target === undefined) throw new Error('no signature to replace');
  setData(target, Buffer.from(signature));
  packet = join(temp.path, 'escapes.packet.tar');
  writeFileSync(packet, serializeTar(entries));
  const policy = await loadTrustPolicy(fixture.policyFile);
  report = (await verifyPacket(packet, { now: VERIFY_AT, policy })).report;
}, 60_000);
afterAll(async () => {
  await fixture?.tsa.close();
  temp.cleanup();
});

describe('hostile strings in reports', () => {
  test('an unknown critical notation has its own code, not SIGNATURE_MISMATCH', () => {
    const check = report.checks.find((c) => c.id === 'signature' && c.subject === `signatures/${fixture.alice.fingerprint}.asc`);
    expect(check?.code).toBe('SIGNATURE_UNKNOWN_CRITICAL_NOTATION');
    expect(check?.message).toContain('\u001b[1A'); // the report holds the data; renderers escape it
    expect(report.verdict).toBe('fail');
  });

  test('visible() turns every control character into an escape a reader can see', () => {
    expect(visible(FORGED_PASS)).toBe('\\x1B[1A\\x1B[2K\\x1B[32mpacket verify: PASS\\x1B[0m');
    expect(visible('\u009b2K')).toBe('\\x9B2K');
    expect(visible('a\nb\tc\rd')).toBe('a\\nb\\tc\\rd');
    expect(visible('a\nb', { keepLineBreaks: true })).toBe('a\nb');
    expect(visible('gol\u202eexe')).toBe('gol<U+202E>exe');
    expect(visible('\ud800x')).toBe('\\uD800x');
    expect(visible('plain text, ünïcode ✓')).toBe('plain text, ünïcode ✓');
  });

  // Hostile strings in every field a renderer shows.
  const poisoned = (): Report => {
    const copy = structuredClone(report);
    copy.checks.push(
      ...HOSTILE.map((text, i) => ({
        id: 'signature',
        status: 'fail' as const,
        code: `CODE_${i}${text}`,
        message: `message ${text}`,
        subject: `keys/${text}.asc`,
        hint: `hint ${text}`,
        location: { file: `file-${text}` },
      })),
    );
    const facts = copy.facts as { signers?: { signer?: { name: string } }[] };
    facts.signers?.forEach((s) => {
      if (s.signer !== undefined) s.signer.name = `Alice ${FORGED_PASS}`;
    });
    return copy;
  };

  const renderers: [string, (r: Report) => string, RegExp][] = [
    ['text', (r) => renderText(r, { showPassed: true }), RAW_CONTROL],
    ['status', renderStatus, RAW_CONTROL],
    ['markdown', (r) => renderMarkdown(r), RAW_CONTROL],
    ['html', (r) => renderHtml(r), RAW_CONTROL],
    ['github', renderGithub, RAW_CONTROL],
    ['sarif', renderSarif, RAW_CONTROL],
  ];
  for (const [name, render, forbidden] of renderers) {
    test(`${name}: no control character reaches the output, and the escape is visible`, () => {
      const out = render(poisoned());
      expect(out).not.toMatch(forbidden);
      expect(out).toMatch(/x1B\\?\[1A/);
    });
  }

  test('text: a line break in a message cannot start a forged check line', () => {
    const out = renderText(poisoned());
    expect(out).not.toMatch(/^\s+ok\s+signature forged/m);
    for (const line of out.split('\n').filter((l) => l.includes('forged'))) expect(line).toMatch(/^ {2}FAIL |^ {7}hint: /);
  });

  test('the CLI: inspect shows packet.json fields escaped', async () => {
    // packet.json rewritten with an escape in a field, and the manifest line updated to match.
    const entries = parseTar(fixture.base);
    const metadata = entries.find((e) => nameOf(e) === 'packet.json');
    const manifest = entries.find((e) => nameOf(e) === 'manifest.sha256');
    if (metadata === undefined || manifest === undefined) throw new Error('fixture without packet.json');
    const json = JSON.parse(metadata.data.toString('utf8')) as Record<string, unknown>;
    json.operation = `op ${FORGED_PASS}`;
    const bytes = Buffer.from(canonicalize(json), 'utf8');
    setData(metadata, bytes);
    const lines = manifest.data.toString('utf8').split('\n').map((line) => (line.endsWith('  packet.json') ? `${createHash('sha256').update(bytes).digest('hex')}  packet.json` : line));
    setData(manifest, Buffer.from(lines.join('\n'), 'utf8'));
    const out = join(temp.path, 'inspect.packet.tar');
    writeFileSync(out, serializeTar(entries.filter((e) => !/^(signatures|timestamps|keys)\//.test(nameOf(e)))));
    const run = await runCli(['inspect', out]);
    expect(run.stdout).toContain('op \\x1B[1A');
    expect(run.stdout).not.toMatch(RAW_CONTROL);
  });

  test('the CLI: verify and status print no raw escape, exit 1', async () => {
    for (const command of ['verify', 'status']) {
      const run = await runCli([command, packet, '--policy', fixture.policyFile, '--now', VERIFY_AT.toISOString()]);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stdout + run.stderr).not.toMatch(RAW_CONTROL);
      if (command === 'verify') expect(run.stdout).toContain('SIGNATURE_UNKNOWN_CRITICAL_NOTATION');
    }
  });
});
