import { readFile } from 'node:fs/promises';
import { usageError } from '../core/errors.js';
import type { CliIo } from './io.js';

export const PASSPHRASE_ENV = 'PACKET_PASSPHRASE';

/**
 * The key's passphrase: from --passphrase-file, else $PACKET_PASSPHRASE, else a prompt on a
 * terminal (no echo), else none. Never from a command-line argument, never printed.
 */
export async function readPassphrase(io: CliIo, file: string | undefined): Promise<string | undefined> {
  if (file !== undefined) {
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw usageError('PASSPHRASE_FILE_UNREADABLE', `passphrase file ${file} cannot be read (${error.code ?? error.message})`);
    });
    return text.replace(/\r?\n$/, '');
  }
  const fromEnv = io.env[PASSPHRASE_ENV];
  if (fromEnv !== undefined) return fromEnv;
  if (io.stdin.isTTY === true && io.stderrIsTTY) return prompt(io, 'passphrase: ');
  return undefined;
}

async function prompt(io: CliIo, question: string): Promise<string> {
  const stdin = io.stdin as NodeJS.ReadStream;
  io.stderr.write(question);
  stdin.setRawMode?.(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = '';
      const onData = (chunk: string): void => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            stdin.off('data', onData);
            resolve(value);
            return;
          }
          if (ch === '\u0003') {
            stdin.off('data', onData);
            reject(usageError('CANCELLED', 'cancelled'));
            return;
          }
          value = ch === '\u007f' || ch === '\b' ? value.slice(0, -1) : value + ch;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode?.(false);
    stdin.pause();
    io.stderr.write('\n');
  }
}
