/**
 * Errors that end a command. Each carries a stable code and a kind; the CLI maps the kind to
 * an exit code at the top (never `process.exit` from deep inside).
 *
 * - usage: the command line is wrong (exit 2)
 * - environment: the machine cannot do it: gpg missing, TSA unreachable, disk full (exit 3)
 * - input: the thing examined is bad in a way that is not a check result, e.g. a build input
 *   that cannot be packed (exit 1)
 */
export type ErrorKind = 'usage' | 'environment' | 'input';

export interface PacketErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Where the problem is, when it is in a file. */
  file?: string;
  line?: number;
  column?: number;
}

export class PacketError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(kind: ErrorKind, code: string, message: string, options: PacketErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PacketError';
    this.kind = kind;
    this.code = code;
    this.hint = options.hint;
    this.file = options.file;
    this.line = options.line;
    this.column = options.column;
  }
}

export function usageError(code: string, message: string, options?: PacketErrorOptions): PacketError {
  return new PacketError('usage', code, message, options);
}

export function environmentError(code: string, message: string, options?: PacketErrorOptions): PacketError {
  return new PacketError('environment', code, message, options);
}

export function inputError(code: string, message: string, options?: PacketErrorOptions): PacketError {
  return new PacketError('input', code, message, options);
}

/** The message of any thrown value, for `cause` fields. Never includes a stack. */
export function describeCause(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  return String(cause);
}
