import { ExitCode } from '../../core/exit-codes.js';
import { guardInterrupts } from '../../core/interrupt.js';
import { usageError } from '../../core/errors.js';
import { timestampPacket } from '../../ceremony/timestamp.js';
import { choiceOption, requireStringOption, pathOption, stringOption, singlePacket, type CommandSpec } from '../command.js';

export const timestampCommand: CommandSpec = {
  name: 'timestamp',
  usage: `usage: packet timestamp PACKET --tsa URL [options]

Asks the time-stamping authority at URL for a token over the bytes of each
signatures/<FPR>.asc that has no timestamps/<FPR>.tsr yet, checks each reply against its
request (status, imprint, nonce) and verifies it before storing it. Nothing is written unless
every request succeeds.

options:
  --tsa URL           the TSA (http or https; Content-Type application/timestamp-query)
  --tsa-ca FILE       the TSA's root certificate(s), PEM: each token must chain to one
  --policy-oid OID    ask the TSA for this policy
  --timeout SECONDS   per request (default 30)
  --format text|json  output format (default text)
`,
  options: {
    tsa: { type: 'string' },
    'tsa-ca': { type: 'string' },
    'policy-oid': { type: 'string' },
    timeout: { type: 'string' },
    format: { type: 'string' },
  },
  async run({ values, positionals }, io) {
    guardInterrupts(io.stderr, io.stderrIsTTY);
    const format = choiceOption(values, 'format', ['text', 'json'] as const, 'text');
    const packetPath = singlePacket(positionals, 'timestamp', io);
    const url = requireStringOption(values, 'tsa', 'timestamp');
    const timeoutText = stringOption(values, 'timeout') ?? '30';
    if (!/^\d+(\.\d+)?$/.test(timeoutText) || Number(timeoutText) <= 0 || Number(timeoutText) > 600) {
      throw usageError('BAD_OPTION_VALUE', `--timeout must be a number of seconds between 0 and 600, got "${timeoutText}"`);
    }
    const caFile = pathOption(io, values, 'tsa-ca');
    const policy = stringOption(values, 'policy-oid');
    if (policy !== undefined && !/^[0-2](\.(0|[1-9]\d*))+$/.test(policy)) {
      throw usageError('BAD_OPTION_VALUE', `--policy-oid must be a dotted OID such as 1.3.6.1.4.1.4146.2.3, got "${policy}"`);
    }
    const result = await timestampPacket(packetPath, {
      url,
      timeoutMs: Number(timeoutText) * 1000,
      ...(caFile === undefined ? {} : { caFile }),
      ...(policy === undefined ? {} : { policy }),
    });
    if (format === 'json') {
      io.stdout.write(`${JSON.stringify({ packet: packetPath, ...result }, null, 2)}\n`);
    } else {
      const lines = [`packet timestamp: ${result.added.length} time-stamps added to ${packetPath}`];
      for (const file of result.added) lines.push(`  added   ${file}`);
      for (const file of result.alreadyStamped) lines.push(`  present ${file}`);
      io.stdout.write(`${lines.join('\n')}\n`);
    }
    return ExitCode.OK;
  },
};
