/**
 * The stock-tool promise (issue 6): the commands a packet's VERIFY.md lists, run exactly as
 * written in bash with only tar, sha256sum, gpg and openssl, succeed on a demo packet and fail
 * on each kind of tampering. The only edit to a command is filling in a `<FINGERPRINT>`
 * placeholder with a real fingerprint.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemoBin, type DemoRun } from './demo-fixture.js';

interface Step {
  command: string;
  code: number;
  output: string;
}

let demo: DemoRun;
let commands: string[];
let fingerprints: string[];
let scratch = 0;
const gnupgHomes: string[] = [];

beforeAll(() => {
  demo = runDemoBin();
  expect(demo.run.code, demo.run.stderr).toBe(0);
  // Read VERIFY.md out of the packet with tar, as an auditor would.
  const peek = join(demo.base, 'peek');
  mkdirSync(peek);
  sh(`tar -xf ${JSON.stringify(demo.packet)} -C ${JSON.stringify(peek)}`, demo.base);
  fingerprints = readdirSync(join(peek, 'keys')).map((name) => name.replace(/\.asc$/, '')).sort();
  commands = verifyMdCommands(readFileSync(join(peek, 'VERIFY.md'), 'utf8'), fingerprints[0] ?? '');
}, 60_000);

afterAll(() => {
  for (const home of gnupgHomes) spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: home } });
  demo?.cleanup();
});

describe('VERIFY.md', () => {
  it('lists unpack, sha256sum, the unlisted-files check, gpg and openssl ts commands', () => {
    expect(fingerprints).toHaveLength(2);
    expect(commands[0]).toMatch(/^mkdir packet && tar -xf \S+\.packet\.tar -C packet && cd packet$/);
    expect(commands.some((c) => c.startsWith('sha256sum --strict -c manifest.sha256'))).toBe(true);
    expect(commands.some((c) => c.includes('gpg --') && c.includes('--verify'))).toBe(true);
    expect(commands.some((c) => c.includes('openssl ts -verify'))).toBe(true);
    expect(commands.some((c) => c.startsWith('find . -type f'))).toBe(true);
  });

  it('every command succeeds on the untouched demo packet', () => {
    const steps = runAll(prepare(), commands);
    for (const step of steps) {
      expect(step.code, `${step.command}\n${step.output}`).toBe(0);
      expect(step.output, step.command).not.toMatch(/^BAD:|FAILED/m);
    }
    const output = steps.map((s) => s.output).join('\n');
    expect(find(steps, 'sha256sum').output.match(/^\S+: OK$/gm)).toHaveLength(8);
    expect(output.match(/Good signature from/g)).toHaveLength(2);
    expect(output.match(/^Verification: OK$/gm)).toHaveLength(2);
    expect(output).toMatch(/Time stamp: /);
  });

  it('one flipped payload byte: sha256sum fails on that file', () => {
    const steps = runUnpacked((dir) => flipByte(join(dir, 'payload/CHG-2041/logs/apply.log'), 'middle'));
    const check = find(steps, 'sha256sum');
    expect(check.code).not.toBe(0);
    expect(check.output).toMatch(/^payload\/CHG-2041\/logs\/apply\.log: FAILED$/m);
    // The manifest itself is untouched, so the signatures over it still verify.
    expect(find(steps, '--verify').output).not.toMatch(/^BAD:/m);
  });

  it('one flipped signature byte: gpg fails for that signature, and so does its time-stamp', () => {
    const target = fingerprints[1] ?? '';
    const steps = runUnpacked((dir) => flipBase64Char(join(dir, 'signatures', `${target}.asc`)));
    expect(find(steps, '--verify').output).toMatch(new RegExp(`^BAD: signatures/${target}\\.asc$`, 'm'));
    expect(find(steps, '--verify').output).not.toMatch(new RegExp(`^BAD: signatures/${fingerprints[0]}`, 'm'));
    expect(find(steps, 'openssl ts -verify').output).toMatch(new RegExp(`^BAD: timestamps/${target}\\.tsr$`, 'm'));
  });

  it("a signature filed under another signer's fingerprint: gpg's check against the file name fails", () => {
    const [first = '', second = ''] = fingerprints;
    // Both keys are imported and the signature is good, but it is not the one its name claims.
    const steps = runUnpacked((dir) => copyFileSync(join(dir, 'signatures', `${first}.asc`), join(dir, 'signatures', `${second}.asc`)));
    const signatures = find(steps, '--verify').output;
    expect(signatures).toMatch(new RegExp(`^BAD: signatures/${second}\\.asc$`, 'm'));
    expect(signatures).not.toMatch(new RegExp(`^BAD: signatures/${first}`, 'm'));
  });

  it('one flipped token byte: openssl ts -verify fails for that token', () => {
    const target = fingerprints[1] ?? '';
    const steps = runUnpacked((dir) => flipByte(join(dir, 'timestamps', `${target}.tsr`), 'last'));
    const stamps = find(steps, 'openssl ts -verify').output;
    expect(stamps).toMatch(new RegExp(`^BAD: timestamps/${target}\\.tsr$`, 'm'));
    expect(stamps).not.toMatch(new RegExp(`^BAD: timestamps/${fingerprints[0]}`, 'm'));
    expect(find(steps, '--verify').output).not.toMatch(/^BAD:/m);
  });

  it('an extra file in the payload or at the top: the unlisted-files check fails and names it', () => {
    for (const extra of ['payload/CHG-2041/extra.txt', 'notes.txt']) {
      const steps = runUnpacked((dir) => writeFileSync(join(dir, extra), 'smuggled\n'));
      const unlisted = steps.find((s) => s.command.includes('diff'));
      expect(unlisted, extra).toBeDefined();
      expect(unlisted?.code, extra).not.toBe(0);
      expect(unlisted?.output).toContain(`> ${extra}`);
      expect(find(steps, 'sha256sum').code).toBe(0);
    }
  });

  it('a changed manifest line: sha256sum fails and every signature is BAD', () => {
    const steps = runUnpacked((dir) => appendFileSync(join(dir, 'manifest.sha256'), `${'0'.repeat(64)}  payload/CHG-2041/extra.txt\n`));
    expect(find(steps, 'sha256sum').code).not.toBe(0);
    expect(find(steps, '--verify').output.match(/^BAD: /gm)).toHaveLength(2);
  });
});

/** The 4-space-indented lines of VERIFY.md, with `<FINGERPRINT>` filled in. */
function verifyMdCommands(text: string, fingerprint: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('    ') && line.trim() !== '')
    .map((line) => line.slice(4).replaceAll('<FINGERPRINT>', fingerprint));
}

/**
 * A fresh copy of the demo's packet beside the TSA root from its folder (the auditor's own copy,
 * outside the unpacked packet), and a fresh GNUPGHOME holding the signers' public keys.
 */
function prepare(): { dir: string; gnupgHome: string } {
  scratch += 1;
  const dir = join(demo.base, `auditor-${scratch}`);
  mkdirSync(dir);
  const packetName = demo.packet.split('/').pop() ?? '';
  copyFileSync(demo.packet, join(dir, packetName));
  copyFileSync(demo.root, join(dir, 'tsa-root.pem'));
  const gnupgHome = join(demo.base, `gnupg-${scratch}`);
  mkdirSync(gnupgHome, { mode: 0o700 });
  gnupgHomes.push(gnupgHome);
  const keys = join(demo.base, 'peek', 'keys');
  const imported = spawnSync('gpg', ['--batch', '--import', ...readdirSync(keys).map((k) => join(keys, k))], { env: { ...process.env, GNUPGHOME: gnupgHome }, encoding: 'utf8' });
  expect(imported.status, imported.stderr).toBe(0);
  return { dir, gnupgHome };
}

/** Unpack with VERIFY.md's own first command, tamper, then run the rest inside the unpacked folder. */
function runUnpacked(tamper: (unpacked: string) => void): Step[] {
  const where = prepare();
  const unpack = runAll(where, commands.slice(0, 1));
  expect(unpack[0]?.code).toBe(0);
  tamper(join(where.dir, 'packet'));
  return runAll({ ...where, dir: join(where.dir, 'packet') }, commands.slice(1));
}

/**
 * Run the commands as one bash script (so `cd packet` carries over), printing a marker with the
 * exit status after each, and split the combined output per command.
 */
function runAll(where: { dir: string; gnupgHome: string }, list: string[]): Step[] {
  const script = list.map((command, i) => `${command}\necho "@@step ${i} $?"`).join('\n');
  const result = spawnSync('bash', ['-c', `exec 2>&1\n${script}`], {
    cwd: where.dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, GNUPGHOME: where.gnupgHome, LC_ALL: 'C' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const steps: Step[] = [];
  let output = '';
  for (const line of result.stdout.split('\n')) {
    const marker = /^@@step (\d+) (\d+)$/.exec(line);
    if (marker === null) {
      output += `${line}\n`;
      continue;
    }
    steps.push({ command: list[Number(marker[1])] ?? '', code: Number(marker[2]), output });
    output = '';
  }
  expect(steps.map((s) => s.command), result.stdout).toEqual(list);
  return steps;
}

function find(steps: Step[], text: string): Step {
  const step = steps.find((s) => s.command.includes(text));
  if (step === undefined) throw new Error(`no VERIFY.md command contains ${text}`);
  return step;
}

function sh(command: string, cwd: string): void {
  const result = spawnSync('bash', ['-c', command], { cwd, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
}

function flipByte(path: string, where: 'middle' | 'last'): void {
  const bytes = readFileSync(path);
  const at = where === 'last' ? bytes.length - 1 : Math.floor(bytes.length / 2);
  bytes[at] = (bytes[at] ?? 0) ^ 0x01;
  writeFileSync(path, bytes);
}

/** Change one base64 character in the middle of an armored signature (still valid armor text). */
function flipBase64Char(path: string): void {
  const text = readFileSync(path, 'utf8');
  const body = text.indexOf('\n\n') + 2;
  const at = body + 40;
  const old = text[at] ?? '';
  expect(old).toMatch(/[A-Za-z0-9+/]/);
  writeFileSync(path, text.slice(0, at) + (old === 'A' ? 'B' : 'A') + text.slice(at + 1));
}
