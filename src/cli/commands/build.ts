import { buildPacket } from '../../packet/build.js';
import { resolveBuildTime } from '../../core/time.js';
import { ExitCode } from '../../core/exit-codes.js';
import { guardInterrupts } from '../../core/interrupt.js';
import { booleanOption, choiceOption, stringOption, type CommandSpec } from '../command.js';
import { createProgress, formatBytes, ofTotal, rate } from '../progress.js';
import { writeResult } from '../output.js';
import { plural } from '../../core/plural.js';

export const buildCommand: CommandSpec = {
  name: 'build',
  usage: `usage: packet build [options] INPUT...

Packs INPUT files and folders under payload/ (a folder keeps its own name), redacting secrets,
canonicalizing JSON, and seals them with packet.json, VERIFY.md and manifest.sha256.

options:
  --out PATH          x.packet.tar for the tar form, DIR/ for the unpacked form
                      (default: evidence/NAME.packet.tar)
  --name NAME         packet name (default: from --out)
  --time RFC3339      created time (default: SOURCE_DATE_EPOCH, else now)
  --tenant ID         tenant the evidence is about
  --env ENV           environment (dev, staging, prod)
  --operation ID      operation or change id
  --rules FILE        project redaction rules (added to the defaults)
  --strict            refuse binary files (they cannot be scanned for secrets)
  --follow-symlinks   include files that symbolic links point to (inside their input only)
  --force             replace an existing packet file at --out (its signatures are lost)
  --fsync             flush the packet to disk before renaming it into place (survives power
                      loss; the rename alone already makes a killed build leave nothing partial)
  --format text|json  result output (default text)
  --quiet             no progress display

exit codes: 0 built, 1 an input cannot be packed (missing, a secret left after redaction,
            a binary file with --strict), 2 usage error, 3 the output cannot be written,
            130/143 interrupted (nothing written)
`,
  options: {
    out: { type: 'string' },
    name: { type: 'string' },
    time: { type: 'string' },
    tenant: { type: 'string' },
    env: { type: 'string' },
    operation: { type: 'string' },
    rules: { type: 'string' },
    strict: { type: 'boolean' },
    'follow-symlinks': { type: 'boolean' },
    fsync: { type: 'boolean' },
    force: { type: 'boolean' },
    format: { type: 'string' },
    quiet: { type: 'boolean' },
  },
  describe: ({ positionals }) => ({ command: 'build', subject: positionals.join(' ') }),
  async run({ values, positionals, invocation }, io) {
    guardInterrupts(io.stderr, io.stderrIsTTY);
    const format = choiceOption(values, 'format', ['text', 'json'] as const, 'text');
    const name = stringOption(values, 'name');
    const out = stringOption(values, 'out') ?? `evidence/${name ?? 'packet'}.packet.tar`;
    const created = resolveBuildTime(stringOption(values, 'time'), io.env, io.now);
    const progress = createProgress(io, booleanOption(values, 'quiet'));
    const started = io.now().getTime();
    // Cleared even when the build fails, so that an error starts on a clean line.
    const result = await buildPacket({
      inputs: positionals,
      out,
      ...(name === undefined ? {} : { name }),
      created,
      ...optional('tenant', stringOption(values, 'tenant')),
      ...optional('environment', stringOption(values, 'env')),
      ...optional('operation', stringOption(values, 'operation')),
      ...optional('rulesFile', stringOption(values, 'rules')),
      strict: booleanOption(values, 'strict'),
      followSymlinks: booleanOption(values, 'follow-symlinks'),
      fsync: booleanOption(values, 'fsync'),
      force: booleanOption(values, 'force'),
      cwd: io.cwd,
      onLeftovers: (names) => io.stderr.write(`packet: removed ${plural(names.length, 'leftover', 'leftovers')} of an interrupted build beside the output: ${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''}\n`),
      // Only on a terminal: the totals cost a second walk over the inputs.
      ...(progress.live
        ? {
            onProgress: (p: { files: number; bytes: number; totalFiles: number; totalBytes: number }) =>
              progress.update(`packet: built ${p.files}/${plural(p.totalFiles, 'file', 'files')}, ${ofTotal(p.bytes, p.totalBytes)}, ${rate(p.bytes, started, io.now().getTime())}`),
          }
        : {}),
    }).finally(() => progress.done());
    const m = result.metadata;
    if (format === 'json') {
      writeResult(io, invocation, { path: result.out, form: result.form, digest: result.digest, packet: m });
    } else {
      io.stdout.write(
        [
          `packet build: wrote ${result.out} (${result.form})`,
          `  digest   sha256:${result.digest}`,
          `  files    ${m.files.count} (${formatBytes(m.files.bytes)})`,
          `  redacted ${plural(m.redaction.total, 'secret', 'secrets')} in ${plural(new Set(m.redaction.files.map((f) => f.file)).size, 'file', 'files')}`,
          ...(m.redaction.notScanned.length > 0 ? [`  binary   ${plural(m.redaction.notScanned.length, 'file', 'files')} included unscanned (see packet.json)`] : []),
          '',
        ].join('\n'),
      );
    }
    return ExitCode.OK;
  },
};

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
