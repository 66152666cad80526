import { readPacket } from '../../packet/reader.js';
import { choiceOption, singlePacket, type CommandSpec } from '../command.js';
import { ExitCode } from '../../core/exit-codes.js';
import { formatBytes } from '../progress.js';
import { renderCheck } from '../../report/text.js';

export const inspectCommand: CommandSpec = {
  name: 'inspect',
  usage: `usage: packet inspect [options] PACKET

Shows the packet's metadata, its files, what was redacted, and which signatures, time-stamps
and keys it carries. Integrity problems are listed; use 'packet verify' for the full check.

options:
  --format text|json  output format (default text)
`,
  options: { format: { type: 'string' } },
  async run({ values, positionals }, io) {
    const format = choiceOption(values, 'format', ['text', 'json'] as const, 'text');
    const path = singlePacket(positionals, 'inspect', io);
    const reading = await readPacket(path, { listPayload: true });
    const problems = reading.checks.filter((c) => c.status === 'fail');
    const unsealed = {
      signatures: [...reading.unsealed.signatures.keys()],
      timestamps: [...reading.unsealed.timestamps.keys()],
      keys: [...reading.unsealed.keys.keys()],
    };
    if (format === 'json') {
      io.stdout.write(
        `${JSON.stringify({ path, form: reading.form, intact: reading.intact, digest: reading.digest, packet: reading.metadata, files: reading.payload, ...unsealed, problems }, null, 2)}\n`,
      );
      return reading.intact ? ExitCode.OK : ExitCode.CHECK_FAILED;
    }
    const m = reading.metadata;
    const lines = [`packet ${path} (${reading.form})`];
    if (reading.digest === undefined && reading.payload.length === 0 && problems.length > 0) {
      // Nothing could be read: show only why.
      for (const check of problems) lines.push(...renderCheck(check).map((l) => `  ${l}`));
      io.stdout.write(`${lines.join('\n')}\n`);
      return ExitCode.CHECK_FAILED;
    }
    if (reading.digest !== undefined) lines.push(`  digest       sha256:${reading.digest}`);
    if (m !== undefined) {
      lines.push(`  name         ${m.name}`, `  created      ${m.created}`);
      if (m.operation !== undefined) lines.push(`  operation    ${m.operation}`);
      if (m.tenant !== undefined) lines.push(`  tenant       ${m.tenant}`);
      if (m.environment !== undefined) lines.push(`  environment  ${m.environment}`);
      lines.push(`  tool         ${m.tool?.name} ${m.tool?.version}`);
      lines.push(`  files        ${m.files?.count} (${formatBytes(m.files?.bytes ?? 0)})`);
      const r = m.redaction;
      if (r !== undefined) {
        lines.push(`  redaction    ${r.total} secrets redacted (rules: ${r.rules})`);
        for (const f of r.files) lines.push(`    ${f.file}: ${f.rule} x${f.count}${f.lines ? ` (lines ${f.lines.join(', ')})` : ''}`);
        for (const f of r.notScanned) lines.push(`    ${f}: binary, not scanned`);
        for (const f of r.notCanonicalized) lines.push(`    ${f.file}: ${f.reason}`);
      }
    }
    lines.push('  payload:');
    for (const f of reading.payload) lines.push(`    ${formatBytes(f.size).padStart(10)}  ${f.path}`);
    lines.push(`  signatures   ${unsealed.signatures.length === 0 ? 'none' : unsealed.signatures.join(', ')}`);
    lines.push(`  time-stamps  ${unsealed.timestamps.length === 0 ? 'none' : unsealed.timestamps.join(', ')}`);
    lines.push(`  keys         ${unsealed.keys.length === 0 ? 'none' : unsealed.keys.join(', ')}`);
    if (problems.length > 0) {
      lines.push('  problems:');
      for (const check of problems) lines.push(...renderCheck(check).map((l) => `  ${l}`));
    }
    io.stdout.write(`${lines.join('\n')}\n`);
    return reading.intact ? ExitCode.OK : ExitCode.CHECK_FAILED;
  },
};
