import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from '../core/errors.js';
import { formatRfc3339, parseRfc3339, parseTimeOption } from '../core/time.js';
import type { EnvelopeHead } from '../report/json.js';
import type { CliIo } from './io.js';
import { closest } from './suggest.js';

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface ParsedArgs {
  values: OptionValues;
  positionals: string[];
}

/** The envelope's command and subject as typed, and the command's time (a valid --now, else the clock at start). */
export interface Invocation extends EnvelopeHead {
  evaluatedAt: string;
}

/** What a command gets: its arguments, and how it was invoked (for its JSON envelope). */
export interface RunArgs extends ParsedArgs {
  invocation: Invocation;
}

export interface CommandSpec {
  name: string;
  /** Full usage text for `packet help NAME` and `packet NAME --help`. */
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /**
   * The command and subject for the JSON envelope, from the arguments as typed (they may be
   * invalid: an error envelope names them too). Default: the command's name and its first operand.
   */
  describe?(args: ParsedArgs): EnvelopeHead;
  run(args: RunArgs, io: CliIo): Promise<number>;
}

export function parseCommandArgs(spec: CommandSpec, argv: string[]): ParsedArgs & { help: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...spec.options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    const near = suggestOption(spec, error);
    // Node's own message goes on to explain `--` for positionals; the option's name is enough.
    const unknown = /^Unknown option '([^']*)'/.exec((error as Error).message)?.[1];
    throw usageError('BAD_ARGUMENTS', unknown === undefined ? lowerFirst((error as Error).message) : `unknown option '${unknown}'`, {
      hint: `${near === undefined ? '' : `did you mean --${near}? `}run 'packet ${spec.name} --help' for usage`,
    });
  }
  const { help, ...values } = parsed.values as OptionValues;
  return { values, positionals: parsed.positionals, help: help === true };
}

/**
 * How the command was invoked, read leniently before the strict parse, so that even a usage
 * error of a command run with `--format json` is reported in the envelope: whether JSON was asked
 * for, the envelope's command and subject, and the time (a valid --now, else the clock).
 */
export function invocationOf(spec: CommandSpec, argv: string[], io: CliIo): { json: boolean; invocation: Invocation } {
  let loose: ParsedArgs;
  try {
    const parsed = parseArgs({ args: argv, options: { ...spec.options, help: { type: 'boolean', short: 'h' } }, strict: false, allowPositionals: true });
    loose = { values: parsed.values as OptionValues, positionals: parsed.positionals };
  } catch {
    loose = { values: {}, positionals: argv.filter((arg) => !arg.startsWith('-')) };
  }
  const head = spec.describe?.(loose) ?? { command: spec.name, subject: loose.positionals[0] ?? '' };
  const now = typeof loose.values.now === 'string' ? parseRfc3339(loose.values.now) : undefined;
  return { json: spec.options.format !== undefined && loose.values.format === 'json', invocation: { ...head, evaluatedAt: formatRfc3339(now ?? io.now()) } };
}

/** Whether argv asks for JSON, for a command that does not exist (no option table to parse with). */
export function asksForJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  const args = end === -1 ? argv : argv.slice(0, end);
  return args.some((arg, i) => arg === '--format=json' || (arg === '--format' && args[i + 1] === 'json'));
}

/** For an unknown long option, the command's option nearest to it. */
function suggestOption(spec: CommandSpec, error: unknown): string | undefined {
  if ((error as { code?: unknown }).code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return undefined;
  const given = /^Unknown option '--([^'=]+)/.exec((error as Error).message)?.[1];
  return given === undefined ? undefined : closest(given, [...Object.keys(spec.options), 'help']);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** Read a string option, checking it against a closed set of choices. */
export function choiceOption<T extends string>(values: OptionValues, name: string, choices: readonly T[], fallback: T): T {
  const value = values[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw usageError('BAD_OPTION_VALUE', `--${name} must be one of ${choices.join(', ')}, got "${String(value)}"`);
  }
  return value as T;
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function requireStringOption(values: OptionValues, name: string, commandName: string): string {
  const value = stringOption(values, name);
  if (value === undefined || value === '') {
    throw usageError('MISSING_OPTION', `--${name} is required`, { hint: `run 'packet ${commandName} --help' for usage` });
  }
  return value;
}

/** The evaluation time: `--now` (RFC 3339) when given, else the command's clock. */
export function nowOption(io: CliIo, values: OptionValues): Date {
  const text = stringOption(values, 'now');
  return text === undefined ? io.now() : parseTimeOption('--now', text);
}

/** A file option, resolved against the command's working directory (not the process's). */
export function pathOption(io: CliIo, values: OptionValues, name: string): string | undefined {
  const value = stringOption(values, name);
  return value === undefined ? undefined : resolve(io.cwd, value);
}

export function booleanOption(values: OptionValues, name: string): boolean {
  return values[name] === true;
}

/** The one PACKET argument of a command, resolved against its working directory. */
export function singlePacket(positionals: string[], command: string, io: CliIo): string {
  if (positionals.length !== 1) {
    throw usageError('BAD_ARGUMENTS', `expected exactly one PACKET, got ${positionals.length}`, { hint: `run 'packet ${command} --help' for usage` });
  }
  return resolve(io.cwd, positionals[0] as string);
}
