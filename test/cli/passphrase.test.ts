/**
 * The passphrase prompt names the key (primary fingerprint in groups, user id escaped) and allows
 * three tries on a terminal; a wrong passphrase says where it came from ($PACKET_PASSPHRASE, or
 * --passphrase-file FILE, or the prompt) and never what it was. A fake terminal answers the
 * prompts the way a person would, one prompt at a time.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { groupFingerprint, promptText } from '../../src/cli/passphrase.js';
import { makeTempDir, runCli } from '../helpers/cli.js';

const temp = makeTempDir('packet-passphrase-');
const RIGHT = 'correct horse battery staple';
const WRONG = ['tr0ub4dor&3', 'hunter2-not-it'];
let keyFile: string;
let fingerprint: string;

interface TerminalRun {
  code: number;
  stdout: string;
  stderr: string;
  rawModes: boolean[];
}

/** `packet ARGV` at a fake terminal: each "passphrase: " prompt is answered with the next of `answers`. */
async function atTerminal(argv: string[], answers: string[], env: NodeJS.ProcessEnv = { PATH: process.env.PATH }): Promise<TerminalRun> {
  let stdout = '';
  let stderr = '';
  const rawModes: boolean[] = [];
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: (on: boolean) => rawModes.push(on) });
  const queue = [...answers];
  const io: CliIo = {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: {
      write: (chunk: string) => {
        stderr += chunk;
        // Typed keystroke by keystroke, as at a terminal, then Enter.
        if (chunk.endsWith('passphrase: ')) {
          setImmediate(() => {
            const answer = queue.shift();
            if (answer === undefined) stdin.end(); // the terminal goes away
            else for (const ch of `${answer}\r`) stdin.write(ch);
          });
        }
      },
    },
    stdoutIsTTY: true,
    stderrIsTTY: true,
    stdin,
    env,
    cwd: temp.path,
    now: () => new Date(),
  };
  const code = await main(argv, io);
  return { code, stdout, stderr, rawModes };
}

function freshPacket(name: string): string {
  const out = join(temp.path, `${name}.packet.tar`);
  return out;
}

beforeAll(async () => {
  const { privateKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name: 'Alice Example \u001b[31m\u202e', email: 'alice@example.org' }],
    date: new Date(Date.now() - 3600_000),
    format: 'object',
    config: { v6Keys: false },
  });
  fingerprint = privateKey.getFingerprint().toUpperCase();
  const encrypted = await openpgp.encryptKey({ privateKey, passphrase: RIGHT });
  keyFile = join(temp.path, 'alice.key.asc');
  writeFileSync(keyFile, encrypted.armor());
  mkdirSync(join(temp.path, 'in'));
  writeFileSync(join(temp.path, 'in', 'plan.json'), '{"change":"resize"}\n');
  for (const name of ['ok', 'three-wrong', 'env', 'file', 'env-at-terminal', 'cancel']) {
    const built = await runCli(['build', 'in', '--out', freshPacket(name), '--time', '2026-01-01T00:00:00Z'], { cwd: temp.path });
    expect(built.code, built.stderr).toBe(0);
  }
});
afterAll(() => temp.cleanup());

function expectNoPassphrase(text: string): void {
  for (const secret of [RIGHT, ...WRONG]) expect(text).not.toContain(secret);
}

describe('the prompt on a terminal', () => {
  it('names the key by grouped fingerprint and escaped user id, and allows a third try', async () => {
    const run = await atTerminal(['sign', freshPacket('ok'), '--key', keyFile], [WRONG[0] as string, WRONG[1] as string, RIGHT]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`added signatures/${fingerprint}.asc`);
    const prompts = run.stderr.split('passphrase: ');
    expect(prompts).toHaveLength(4); // three prompts
    expect(run.stderr).toContain(`unlocking key ${groupFingerprint(fingerprint)}  Alice Example \\x1B[31m<U+202E> <alice@example.org>\npassphrase: `);
    expect(run.stderr).toContain('wrong passphrase; try again (2 of 3)\npassphrase: ');
    expect(run.stderr).toContain('wrong passphrase; try again (3 of 3)\npassphrase: ');
    expect(run.stderr).not.toContain('\u001b');
    expectNoPassphrase(run.stdout + run.stderr);
    expect(run.rawModes).toEqual([true, false, true, false, true, false]); // no echo while typing, restored after
  });

  it('three wrong passphrases: exit 1, said to come from the prompt, nothing signed', async () => {
    const packet = freshPacket('three-wrong');
    const before = readFileSync(packet);
    const run = await atTerminal(['sign', packet, '--key', keyFile], ['a', 'b', 'c']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`packet: 3 passphrases from the prompt do not unlock the private key ${fingerprint}\n`);
    expect(readFileSync(packet).equals(before)).toBe(true);
  });

  it('a terminal that goes away mid-prompt ends the tries at once (exit 1), without hanging', async () => {
    const run = await atTerminal(['sign', freshPacket('cancel'), '--key', keyFile], [WRONG[0] as string]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`packet: the passphrase from the prompt does not unlock the private key ${fingerprint}\n`);
    expect(run.rawModes.at(-1)).toBe(false);
  });

  it('Ctrl-C at the prompt is an interrupt (exit 130, the one line), restores the terminal and leaves the packet as it was', async () => {
    const packet = freshPacket('cancel');
    const before = readFileSync(packet);
    const run = await atTerminal(['sign', packet, '--key', keyFile], ['\u0003']);
    expect(run.code).toBe(130);
    expect(run.stderr).toContain('packet: interrupted, nothing written\n');
    expect(run.rawModes).toEqual([true, false]);
    expect(readFileSync(packet).equals(before)).toBe(true);
  });

  it('$PACKET_PASSPHRASE wins over the prompt, with one try and no prompt', async () => {
    const run = await atTerminal(['sign', freshPacket('env-at-terminal'), '--key', keyFile], [RIGHT], { PATH: process.env.PATH, PACKET_PASSPHRASE: WRONG[0] });
    expect(run.code).toBe(1);
    expect(run.stderr).not.toContain('passphrase: ');
    expect(run.stderr).toContain(`packet: the passphrase from $PACKET_PASSPHRASE does not unlock the private key ${fingerprint}\n`);
    expectNoPassphrase(run.stderr);
  });
});

describe('a wrong passphrase says where it came from', () => {
  it('from $PACKET_PASSPHRASE', async () => {
    const run = await runCli(['sign', freshPacket('env'), '--key', keyFile], { cwd: temp.path, env: { PATH: process.env.PATH, PACKET_PASSPHRASE: WRONG[0] } });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`packet: the passphrase from $PACKET_PASSPHRASE does not unlock the private key ${fingerprint}\nhint: check $PACKET_PASSPHRASE: it must hold exactly this key's passphrase\n`);
  });

  it('from --passphrase-file FILE, named', async () => {
    const file = join(temp.path, 'wrong.pass');
    writeFileSync(file, `${WRONG[1]}\n`);
    const run = await runCli(['sign', freshPacket('file'), '--key', keyFile, '--passphrase-file', 'wrong.pass'], { cwd: temp.path });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`packet: the passphrase from --passphrase-file ${file} does not unlock the private key ${fingerprint}\nhint: check --passphrase-file ${file}: it must hold exactly this key's passphrase\n`);
    expectNoPassphrase(run.stderr);
    // The right one in the file signs.
    writeFileSync(file, `${RIGHT}\n`);
    expect((await runCli(['sign', freshPacket('file'), '--key', keyFile, '--passphrase-file', 'wrong.pass'], { cwd: temp.path })).code).toBe(0);
  });

  it('none at all, and no terminal: PASSPHRASE_REQUIRED names the key (exit 1)', async () => {
    const run = await runCli(['sign', freshPacket('env'), '--key', keyFile], { cwd: temp.path });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`packet: the private key ${fingerprint} is protected by a passphrase\n`);
  });
});

describe('promptText and groupFingerprint', () => {
  it('groups in fours with the halves apart, and cuts a long user id', () => {
    expect(groupFingerprint('0123456789ABCDEF0123456789ABCDEF01234567')).toBe('0123 4567 89AB CDEF 0123  4567 89AB CDEF 0123 4567');
    const text = promptText({ fingerprint: '0123456789ABCDEF0123456789ABCDEF01234567', userId: `${'x'.repeat(300)}\n`, attempt: 1 });
    expect(text).toBe(`unlocking key 0123 4567 89AB CDEF 0123  4567 89AB CDEF 0123 4567  ${'x'.repeat(200)}...\npassphrase: `);
    expect(promptText({ fingerprint: '0123456789ABCDEF0123456789ABCDEF01234567', attempt: 2 })).toBe('wrong passphrase; try again (2 of 3)\npassphrase: ');
  });
});
