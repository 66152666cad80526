import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from '../core/errors.js';
import { parseTimeOption } from '../core/time.js';
import type { CliIo } from './io.js';
import { closest } from './suggest.js';

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface ParsedArgs {
  values: OptionValues;
  positionals: string[];
}

export interface CommandSpec {
  name: string;
  /** Full usage text for `packet help NAME` and `packet NAME --help`. */
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(args: ParsedArgs, io: CliIo): Promise<number>;
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
