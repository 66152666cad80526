import { usageError } from '../../core/errors.js';
import { verifyPacket } from '../../verify/verify.js';
import { loadTrustPolicy } from '../../trust/index.js';
import { choiceOption, pathOption, nowOption, singlePacket, type CommandSpec } from '../command.js';
import { exitCodeFor, writeReport } from '../output.js';
import { renderStatus } from '../../report/status.js';

export const statusCommand: CommandSpec = {
  name: 'status',
  usage: `usage: packet status PACKET --policy FILE [options]

Shows who has signed (name, roles, key, time), which roles and how many people are still
missing. Exit 0 when complete, 4 while incomplete, 1 if something is wrong.

options:
  --policy FILE       the trust policy (required)
  --now RFC3339       evaluation time (default: now)
  --format text|json  output format (default text)

exit codes: 0 complete, 1 a check failed, 2 usage error, 4 incomplete (dual control not met)
`,
  options: {
    policy: { type: 'string' },
    now: { type: 'string' },
    format: { type: 'string' },
  },
  async run({ values, positionals, invocation }, io) {
    const format = choiceOption(values, 'format', ['text', 'json'] as const, 'text');
    const packetPath = singlePacket(positionals, 'status', io);
    const policyFile = pathOption(io, values, 'policy');
    if (policyFile === undefined) throw usageError('MISSING_OPTION', '--policy is required', { hint: "run 'packet status --help' for usage" });
    const now = nowOption(io, values);
    const policy = await loadTrustPolicy(policyFile);
    const outcome = await verifyPacket(packetPath, { now, policy, unmet: 'warn', command: 'status' });
    if (format === 'json') writeReport(io, outcome.report, 'json', { head: invocation, facts: { path: packetPath } });
    else io.stdout.write(renderStatus(outcome.report));
    return exitCodeFor(outcome.report);
  },
};
