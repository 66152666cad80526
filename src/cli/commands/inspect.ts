import { visible } from '../../report/escape.js';
import { listPayloadFiles, readPacket } from '../../packet/reader.js';
import { booleanOption, choiceOption, singlePacket, type CommandSpec } from '../command.js';
import { ExitCode } from '../../core/exit-codes.js';
import { createProgress, formatBytes, ofTotal, packetBytes, rate } from '../progress.js';
import { renderCheck } from '../../report/text.js';
import { plural } from '../../core/plural.js';
import { makeReport } from '../../core/result.js';
import { resultEnvelope, writeStreamedEnvelope } from '../../report/json.js';
import { exitCodeFor } from '../output.js';

export const inspectCommand: CommandSpec = {
  name: 'inspect',
  usage: `usage: packet inspect [options] PACKET

Shows the packet's metadata, its files, what was redacted, and which signatures, time-stamps
and keys it carries. Integrity problems are listed; use 'packet verify' for the full check.

options:
  --format text|json  output format (default text)
  --quiet             no progress display (shown only on a terminal, on standard error)

exit codes: 0 intact, 1 an integrity problem, 2 usage error
`,
  options: { format: { type: 'string' }, quiet: { type: 'boolean' } },
  async run({ values, positionals, invocation }, io) {
    const format = choiceOption(values, 'format', ['text', 'json'] as const, 'text');
    const path = singlePacket(positionals, 'inspect', io);
    const progress = createProgress(io, booleanOption(values, 'quiet'));
    const total = progress.live ? await packetBytes(path) : undefined;
    const started = io.now().getTime();
    let bytes = 0;
    const onProgress = (n: number): void => {
      bytes += n;
      progress.update(`packet: reading ${ofTotal(bytes, total)}, ${rate(bytes, started, io.now().getTime())}`);
    };
    const reading = await readPacket(path, { keepManifest: false, onProgress }).finally(() => progress.done());
    const problems = reading.checks.filter((c) => c.status === 'fail');
    const unsealed = {
      signatures: [...reading.unsealed.signatures.keys()],
      timestamps: [...reading.unsealed.timestamps.keys()],
      keys: [...reading.unsealed.keys.keys()],
    };
    if (format === 'json') {
      // An intact packet reads `intact`, never `pass`: inspect checks no signature.
      const report = makeReport({ command: 'inspect', subject: path, evaluatedAt: invocation.evaluatedAt, checks: reading.checks, integrityOnly: true });
      const facts = { path, form: reading.form, ...(reading.digest === undefined ? {} : { digest: reading.digest }), ...(reading.metadata === undefined ? {} : { packet: reading.metadata }), ...unsealed };
      // The file list is streamed into the JSON text, one file at a time (a packet may list a million);
      // the verdict follows it, so that a listing that fails part-way leaves an envelope with only the error.
      const { verdict, checks, summary } = report;
      await writeStreamedEnvelope((text) => io.stdout.write(text), { head: resultEnvelope(invocation, invocation.evaluatedAt, facts), list: 'files', items: listPayloadFiles(path), after: () => ({ verdict, checks, summary }) });
      return exitCodeFor(report);
    }
    const m = reading.metadata;
    const lines = [`packet ${path} (${reading.form})`];
    const peek = listPayloadFiles(path);
    const anyPayload = (await peek.next()).done !== true;
    await peek.return(undefined); // closes the packet file
    if (reading.digest === undefined && !anyPayload && problems.length > 0) {
      // Nothing could be read: show only why.
      for (const check of problems) lines.push(...renderCheck(check).map((l) => `  ${l}`));
      io.stdout.write(`${lines.map((line) => visible(line)).join('\n')}\n`);
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
        lines.push(`  redaction    ${plural(r.total, 'secret', 'secrets')} redacted (rules: ${r.rules})`);
        for (const f of r.files) lines.push(`    ${f.file}: ${f.rule} x${f.count}${f.lines ? ` (${f.lines.length === 1 ? 'line' : 'lines'} ${f.lines.join(', ')})` : ''}`);
        for (const f of r.notScanned) lines.push(`    ${f}: binary, not scanned`);
        for (const f of r.notCanonicalized) lines.push(`    ${f.file}: ${f.reason}`);
      }
    }
    lines.push('  payload:');
    io.stdout.write(`${lines.map((line) => visible(line)).join('\n')}\n`);
    lines.length = 0;
    for await (const f of listPayloadFiles(path)) io.stdout.write(`    ${formatBytes(f.size).padStart(10)}  ${visible(f.path)}\n`);
    lines.push(`  signatures   ${unsealed.signatures.length === 0 ? 'none' : unsealed.signatures.join(', ')}`);
    lines.push(`  time-stamps  ${unsealed.timestamps.length === 0 ? 'none' : unsealed.timestamps.join(', ')}`);
    lines.push(`  keys         ${unsealed.keys.length === 0 ? 'none' : unsealed.keys.join(', ')}`);
    if (problems.length > 0) {
      lines.push('  problems:');
      for (const check of problems) lines.push(...renderCheck(check).map((l) => `  ${l}`));
    }
    io.stdout.write(`${lines.map((line) => visible(line)).join('\n')}\n`);
    return reading.intact ? ExitCode.OK : ExitCode.CHECK_FAILED;
  },
};
