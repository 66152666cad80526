import { parseTimeOption } from '../../core/time.js';
import { verifyPacket } from '../../verify/verify.js';
import { booleanOption, choiceOption, stringOption, type CommandSpec } from '../command.js';
import { exitCodeFor, writeReport } from '../output.js';
import { createProgress, formatBytes, rate } from '../progress.js';
import { usageError } from '../../core/errors.js';
import { loadTrustPolicy } from '../../trust/index.js';

export const verifyCommand: CommandSpec = {
  name: 'verify',
  summary: 'verify a packet offline: integrity, signatures, time-stamps, dual control',
  usage: `usage: packet verify [options] PACKET

Checks every entry and every covered file of PACKET (a .packet.tar or an unpacked folder);
with --policy also every time-stamp and signature, and dual control. Offline: trust comes only
from the policy, never from keys or certificates inside the packet.

exit codes: 0 verified, 1 a check failed, 4 valid so far but dual control not met

options:
  --policy FILE       the auditor's trust policy (signers, roles, rule, trusted TSA roots)
  --now RFC3339       evaluation time (default: now)
  --format text|json  report format (default text)
  --quiet             no progress display
`,
  options: {
    policy: { type: 'string' },
    now: { type: 'string' },
    format: { type: 'string' },
    quiet: { type: 'boolean' },
  },
  async run({ values, positionals }, io) {
    const format = choiceOption(values, 'format', ['text', 'json'] as const, 'text');
    const packetPath = singlePacket(positionals, 'verify');
    const nowText = stringOption(values, 'now');
    const now = nowText === undefined ? io.now() : parseTimeOption('--now', nowText);
    const progress = createProgress(io, booleanOption(values, 'quiet'));
    const started = Date.now();
    let bytes = 0;
    const policyFile = stringOption(values, 'policy');
    const policy = policyFile === undefined ? undefined : await loadTrustPolicy(policyFile);
    const { report } = await verifyPacket(packetPath, {
      now,
      ...(policy === undefined ? {} : { policy }),
      onProgress: (n) => {
        bytes += n;
        progress.update(`packet: verified ${formatBytes(bytes)} (${rate(bytes, started)})`);
      },
    });
    progress.done();
    writeReport(io, report, format, { showPassed: true });
    return exitCodeFor(report);
  },
};

export function singlePacket(positionals: string[], command: string): string {
  if (positionals.length !== 1) {
    throw usageError('BAD_ARGUMENTS', `expected exactly one PACKET, got ${positionals.length}`, { hint: `run 'packet ${command} --help' for usage` });
  }
  return positionals[0] as string;
}
