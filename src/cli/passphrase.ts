import { PromptInterrupted } from '../core/interrupt.js';
import { readFile } from 'node:fs/promises';
import { usageError } from '../core/errors.js';
import { visible } from '../report/escape.js';
import type { PassphraseRequest, PassphraseSource } from '../signing/index.js';
import type { CliIo } from './io.js';

export const PASSPHRASE_ENV = 'PACKET_PASSPHRASE';
/** Wrong passphrases allowed at a terminal prompt before sign gives up (a file or variable gets one). */
export const PROMPT_TRIES = 3;

/**
 * Where the key's passphrase comes from: --passphrase-file, else $PACKET_PASSPHRASE, else a
 * prompt on a terminal (no echo; the key's fingerprint and user id shown; three tries), else
 * nowhere. Never from a command-line argument, never printed. Read only when the key turns out to
 * be protected; the origin is named when a passphrase is wrong.
 */
export function passphraseSource(io: CliIo, file: string | undefined): PassphraseSource {
  if (file !== undefined) {
    return {
      origin: `--passphrase-file ${file}`,
      tries: 1,
      next: async () => {
        const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
          throw usageError('PASSPHRASE_FILE_UNREADABLE', `passphrase file ${file} cannot be read (${error.code ?? error.message})`);
        });
        return text.replace(/\r?\n$/, '');
      },
    };
  }
  const fromEnv = io.env[PASSPHRASE_ENV];
  if (fromEnv !== undefined) return { origin: `$${PASSPHRASE_ENV}`, tries: 1, next: async () => fromEnv };
  if (io.stdin.isTTY === true && io.stderrIsTTY) {
    return {
      origin: 'the prompt',
      tries: PROMPT_TRIES,
      next: (request) => prompt(io, promptText(request)),
    };
  }
  return { origin: 'nowhere', tries: 1, next: async () => undefined };
}

/** The prompt names the key, so that nobody types a passphrase for a key they did not mean to use. */
export function promptText(request: PassphraseRequest): string {
  const lines: string[] = [];
  if (request.attempt > 1) lines.push(`wrong passphrase; try again (${request.attempt} of ${PROMPT_TRIES})`);
  else {
    // The user id is text from the key file: escaped, and cut short, before it reaches a terminal.
    const userId = request.userId === undefined ? '' : `  ${visible(request.userId.length > 200 ? `${request.userId.slice(0, 200)}...` : request.userId)}`;
    lines.push(`unlocking key ${groupFingerprint(request.fingerprint)}${userId}`);
  }
  return `${lines.join('\n')}\npassphrase: `;
}

/** A fingerprint as people compare it: groups of four, the two halves apart (as gpg prints it). */
export function groupFingerprint(fingerprint: string): string {
  const groups = fingerprint.match(/.{1,4}/g) ?? [];
  return `${groups.slice(0, 5).join(' ')}  ${groups.slice(5).join(' ')}`.trim();
}

async function prompt(io: CliIo, question: string): Promise<string> {
  const stdin = io.stdin as NodeJS.ReadStream;
  io.stderr.write(question);
  stdin.setRawMode?.(true);
  stdin.setEncoding('utf8');
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = '';
      if (stdin.readableEnded) {
        resolve(value);
        return;
      }
      const onData = (chunk: string): void => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            stdin.off('data', onData).off('end', onEnd);
            resolve(value);
            return;
          }
          if (ch === '\u0003') {
            stdin.off('data', onData).off('end', onEnd);
            reject(new PromptInterrupted());
            return;
          }
          value = ch === '\u007f' || ch === '\b' ? value.slice(0, -1) : value + ch;
        }
      };
      // The terminal went away before Enter: what was typed is all there is.
      const onEnd = (): void => {
        stdin.off('data', onData);
        resolve(value);
      };
      stdin.on('data', onData);
      stdin.once('end', onEnd);
      stdin.resume();
    });
  } finally {
    stdin.setRawMode?.(false);
    stdin.pause();
    io.stderr.write('\n');
  }
}
