import { rmSync } from 'node:fs';
import { constants } from 'node:os';

/**
 * Clean-up on interrupt. Code that creates a temporary file, folder or lock registers its path
 * here for as long as it exists; commands that write (build, sign, attach, timestamp) call
 * `guardInterrupts` once. On SIGINT, SIGTERM or SIGHUP every registered path is removed, one line
 * is printed and the process exits with 128 + the signal number (130, 143, 129).
 *
 * The handler works synchronously: asynchronous work still in flight (a write to a temporary
 * file, a worker thread) is abandoned with the process, and whatever it was writing is already
 * gone. A SIGKILL cannot be caught: temporary names carry the owner's pid so that the next run
 * on the same output can find and remove what a killed process left (see `sweepLeftovers`).
 */

const registered = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type InterruptSignal = (typeof SIGNALS)[number];
export const INTERRUPTED_MESSAGE = 'packet: interrupted, nothing written';

/** Remove `path` (file or folder) if the process is interrupted; call the returned function once it is gone or committed. */
export function removeOnInterrupt(path: string): () => void {
  registered.add(path);
  return () => {
    registered.delete(path);
  };
}

interface Writer {
  write(chunk: string): unknown;
}

let stderr: Writer | undefined;
let clearLine = false;
let installed = false;

/**
 * Install the handlers (once per process); `out` receives the one-line message. On a terminal
 * the progress line is cleared first.
 */
export function guardInterrupts(out: Writer, isTerminal = false): void {
  stderr = out;
  clearLine = isTerminal;
  if (installed) return;
  installed = true;
  for (const signal of SIGNALS) process.on(signal, () => onSignal(signal));
}

/**
 * Ctrl-C typed at a prompt in raw mode arrives as a character, not a signal: thrown by the prompt,
 * it ends the command exactly as SIGINT would (clean-up, the one line, exit 130).
 */
export class PromptInterrupted extends Error {
  constructor() {
    super('interrupted at the prompt');
  }
}

/**
 * End an interrupted command: remove every registered path, print the one line (to `out`, else
 * where `guardInterrupts` said) and return the exit code, 128 + the signal's number. Shared by the
 * signal handlers here, the locker's (which first undoes its uploads) and a Ctrl-C at a prompt.
 */
export function endInterrupted(signal: InterruptSignal, out: Writer | undefined = stderr): number {
  removeRegistered();
  out?.write(`${clearLine ? '\r\u001b[2K' : ''}${INTERRUPTED_MESSAGE}\n`);
  return 128 + constants.signals[signal];
}

function onSignal(signal: InterruptSignal): void {
  process.exit(endInterrupted(signal));
}

/** Remove every registered path now (the newest first, so a file goes before its folder). */
export function removeRegistered(): void {
  for (const path of [...registered].reverse()) {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {
      // best effort: the process is ending
    }
    registered.delete(path);
  }
}
