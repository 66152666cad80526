/**
 * The leak gate stops a build on its own. Redaction here is made blind (the rule set has no
 * rules, so neither the redactor nor the rules' part of the final scan sees anything): every
 * secret reaches the final scan, and only the gate is left to refuse it. The build must stop
 * with SECRET_REMAINS naming the payload file, the line and a gate check, never the value, and
 * write nothing.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { PacketError } from '../../src/core/errors.js';
import { buildPacket } from '../../src/packet/index.js';
import { makeTempDir } from '../helpers/cli.js';

vi.mock('../../src/redact/ruleset.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/redact/ruleset.js')>();
  const blind = { rules: [], allow: [], source: 'default' };
  return { ...actual, defaultRuleSet: () => blind };
});

const temp = makeTempDir('packet-gate-build-');
afterAll(() => temp.cleanup());

const LEAKS: { file: string; text: string; line: number; check: string; secret: string }[] = [
  { file: 'a.log', text: 'ok\nok\nconnect postgres://app:Gate-Pw-91x@db/app\n', line: 3, check: 'gate-url-credentials', secret: 'Gate-Pw-91x' },
  { file: 'b.yaml', text: 'db:\n  password: Gate-Yaml-Pw-7\n', line: 2, check: 'gate-secret-assignment', secret: 'Gate-Yaml-Pw-7' },
  { file: 'c.log', text: 'x\nused ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5\n', line: 2, check: 'gate-token-prefix', secret: 'ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5' },
  // JSON: secret-named keys are redacted by structure even here; a secret inside a string value is left to the (blind) rules.
  { file: 'd.json', text: '{"note":"connect with password=Gate-Json-Pw-5","ok":true}', line: 1, check: 'gate-secret-assignment', secret: 'Gate-Json-Pw-5' },
  // A cut header the PEM block handling does not recognise (no closing dashes).
  { file: 'e.txt', text: 'key follows\n-----BEGIN OPENSSH PRIVATE KEY\nb3BlbnNzaC1rZXktdjE\n', line: 2, check: 'gate-private-key', secret: 'b3BlbnNzaC1rZXktdjE' },
  { file: 'f.log', text: 'curl -u ops:Gate-Curl-Pw-3 https://x\n', line: 1, check: 'gate-http-credentials', secret: 'Gate-Curl-Pw-3' },
];

describe('the leak gate in packet build, with redaction blind', () => {
  for (const leak of LEAKS) {
    it(`${leak.check} in ${leak.file} fails the build at line ${leak.line}`, async () => {
      const root = join(temp.path, leak.file.replace('.', '-'));
      mkdirSync(join(root, 'evidence'), { recursive: true });
      mkdirSync(join(root, 'out'));
      writeFileSync(join(root, 'evidence', 'fine.txt'), 'nothing secret here\n');
      writeFileSync(join(root, 'evidence', leak.file), leak.text);
      const error = await buildPacket({ inputs: ['evidence'], out: 'out/p.packet.tar', created: new Date('2026-01-31T12:00:00Z'), cwd: root }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PacketError);
      const e = error as PacketError;
      expect({ code: e.code, file: e.file, line: e.line }).toEqual({ code: 'SECRET_REMAINS', file: `payload/evidence/${leak.file}`, line: leak.line });
      expect(e.message).toContain(leak.check);
      expect(`${e.message} ${e.hint ?? ''}`).not.toContain(leak.secret);
      expect(readdirSync(join(root, 'out'))).toEqual([]);
    });
  }

  it('a clean file still builds (the blind rule set is really in use)', async () => {
    const root = join(temp.path, 'clean');
    mkdirSync(join(root, 'evidence'), { recursive: true });
    writeFileSync(join(root, 'evidence', 'plain.log'), 'deployed commit 3b18e512dba79e4c8300dd08aeb37f8e728b8dad\npassword: [REDACTED:secret-key-value]\n');
    const result = await buildPacket({ inputs: ['evidence'], out: 'out/', created: new Date('2026-01-31T12:00:00Z'), cwd: root });
    expect(result.metadata.redaction.total).toBe(0);
  });
});
