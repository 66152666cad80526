import { endInterrupted, PromptInterrupted } from '../core/interrupt.js';
import { PacketError, usageError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import { toolVersion } from '../core/version.js';
import { formatRfc3339 } from '../core/time.js';
import { visible } from '../report/escape.js';
import { EnvelopeWrittenError, errorEnvelope, renderEnvelope } from '../report/json.js';
import { asksForJson, invocationOf, parseCommandArgs, type Invocation } from './command.js';
import { commands, type CommandEntry } from './commands/index.js';
import { processIo, type CliIo } from './io.js';
import { closest } from './suggest.js';

/** Entry point of the `packet` binary: parse, run, render, and map the outcome to an exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    const entry = topic === undefined ? undefined : findCommand(topic);
    if (topic !== undefined && entry === undefined) return unknownCommand(io, topic);
    io.stdout.write(entry === undefined ? overview() : (await entry.load()).usage);
    return name === undefined ? ExitCode.USAGE : ExitCode.OK;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    io.stdout.write(`packet ${toolVersion()}\n`);
    return ExitCode.OK;
  }
  const entry = findCommand(name);
  if (entry === undefined) {
    if (asksForJson(rest)) {
      const error = usageError('UNKNOWN_COMMAND', `unknown command "${name}"`, { hint: unknownCommandHint(name) });
      io.stdout.write(renderEnvelope(errorEnvelope({ command: name, subject: '' }, formatRfc3339(io.now()), error)));
    }
    return unknownCommand(io, name);
  }
  let json: Invocation | undefined;
  try {
    const spec = await entry.load();
    const { invocation, json: asked } = invocationOf(spec, rest, io);
    if (asked) json = invocation;
    const { help, ...args } = parseCommandArgs(spec, rest);
    if (help) {
      io.stdout.write(spec.usage);
      return ExitCode.OK;
    }
    return await spec.run({ ...args, invocation }, io);
  } catch (error) {
    if (error instanceof PromptInterrupted) return endInterrupted('SIGINT', io.stderr);
    return reportError(io, error, json);
  }
}

function findCommand(name: string): CommandEntry | undefined {
  return commands.find((command) => command.name === name);
}

function unknownCommand(io: CliIo, name: string): number {
  io.stderr.write(`packet: unknown command "${visible(name)}"\nhint: ${unknownCommandHint(name)}\n`);
  return ExitCode.USAGE;
}

function unknownCommandHint(name: string): string {
  const near = closest(name, commands.map((c) => c.name));
  return near === undefined ? "run 'packet --help' to list the commands" : `did you mean 'packet ${near}'? run 'packet --help' to list the commands`;
}

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'usage: packet <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    "run 'packet <command> --help' for a command's options",
    'exit codes: 0 ok, 1 a check failed, 2 usage error, 3 environment error, 4 incomplete',
    '',
  ].join('\n');
}

/**
 * Print an error that ended a command (text on stderr; with `json`, also the envelope on stdout)
 * and return its exit code. The exit code does not depend on the format.
 */
export function reportError(io: CliIo, thrown: unknown, json?: Invocation): number {
  // A streamed envelope already carries its error on stdout.
  const written = thrown instanceof EnvelopeWrittenError;
  const error = written ? thrown.original : thrown;
  if (json !== undefined && !written) io.stdout.write(renderEnvelope(errorEnvelope(json, json.evaluatedAt, error)));
  if (error instanceof PacketError) {
    const column = error.line === undefined || error.column === undefined ? '' : `:${error.column}`;
    const where = error.file === undefined ? '' : `${error.file}${error.line === undefined ? '' : `:${error.line}`}${column}: `;
    // Messages quote file names, keys and signatures: escaped like every report (src/report/escape.ts).
    io.stderr.write(`packet: ${visible(where + error.message)}\n`);
    if (error.cause !== undefined && io.env.PACKET_DEBUG === '1') io.stderr.write(`cause: ${visible(String(error.cause))}\n`);
    if (error.hint !== undefined) io.stderr.write(`hint: ${visible(error.hint)}\n`);
    switch (error.kind) {
      case 'usage':
        return ExitCode.USAGE;
      case 'environment':
        return ExitCode.ENVIRONMENT;
      default:
        return ExitCode.CHECK_FAILED;
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`packet: internal error: ${message}\nhint: this is a bug in packet; set PACKET_DEBUG=1 for details and report it\n`);
  if (io.env.PACKET_DEBUG === '1' && error instanceof Error && error.stack !== undefined) io.stderr.write(`${error.stack}\n`);
  return ExitCode.CHECK_FAILED;
}
