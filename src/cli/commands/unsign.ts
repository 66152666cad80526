import { resolve } from 'node:path';
import { ExitCode } from '../../core/exit-codes.js';
import { usageError } from '../../core/errors.js';
import { guardInterrupts } from '../../core/interrupt.js';
import { unsignPacket } from '../../ceremony/unsign.js';
import { choiceOption, type CommandSpec } from '../command.js';
import { writeResult } from '../output.js';

export const unsignCommand: CommandSpec = {
  name: 'unsign',
  usage: `usage: packet unsign PACKET FINGERPRINT [options]

Removes the signature signatures/<FPR>.asc from PACKET together with its time-stamp
timestamps/<FPR>.tsr and its key copy keys/<FPR>.asc: the undo for a wrong signature. The
sealed part is never changed, so the other signatures stay valid. Runs under the packet lock;
a .packet.tar is replaced atomically.

options:
  --format text|json  output format (default text)

exit codes: 0 removed, 1 no such signature or a bad fingerprint, 2 usage error,
            3 the packet cannot be written or its lock is held, 130/143 interrupted
`,
  options: {
    format: { type: 'string' },
  },
  async run({ values, positionals, invocation }, io) {
    guardInterrupts(io.stderr, io.stderrIsTTY);
    const format = choiceOption(values, 'format', ['text', 'json'] as const, 'text');
    if (positionals.length !== 2) {
      throw usageError('BAD_ARGUMENTS', `expected PACKET and FINGERPRINT, got ${positionals.length} arguments`, { hint: "run 'packet unsign --help' for usage" });
    }
    const [packetArg, fingerprint] = positionals as [string, string];
    if (packetArg === '') throw usageError('BAD_ARGUMENTS', 'the packet path is empty');
    const packetPath = resolve(io.cwd, packetArg);
    const result = await unsignPacket(packetPath, fingerprint);
    if (format === 'json') {
      writeResult(io, invocation, { path: packetPath, fingerprint: result.fingerprint, removed: result.removed, remaining: result.remaining });
    } else {
      io.stdout.write(`packet unsign: removed ${result.removed.join(', ')} from ${packetPath}\n  signatures left: ${result.remaining.length}\n`);
    }
    return ExitCode.OK;
  },
};
