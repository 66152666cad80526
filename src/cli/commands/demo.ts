import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode } from '../../core/exit-codes.js';
import { validateContracts } from '../../contracts/index.js';
import { demoFolderName, runDemo } from '../../demo/run.js';
import { stringOption, type CommandSpec } from '../command.js';
import { exitCodeFor } from '../output.js';

const CONTRACTS_WRITTEN_FOR = new Date('2026-11-23T12:00:00Z');
const PROJECT_ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

export const demoCommand: CommandSpec = {
  name: 'demo',
  usage: `usage: packet demo [--out DIR]

Validates the bundled contracts, builds a packet from sample evidence that holds (fake)
secrets, runs a two-person signing ceremony with throw-away keys (one key file, one through
gpg when installed), time-stamps both signatures with a local TSA, and verifies the packet
offline against a demo trust policy. Leaves the packet (with the public keys in its keys/), the TSA root and the policy in DIR.

options:
  --out DIR   where to leave the results (default: evidence/demo-<time>); a new or empty
              folder: the demo never writes over anything (there is no --force)

exit codes: 0 the life cycle ran and the packet verified, 1 a step failed or DIR is not
            empty, 2 usage error,
            3 environment error (DIR cannot be written)
`,
  options: { out: { type: 'string' } },
  async run({ values }, io) {
    const now = io.now();
    const out = resolve(io.cwd, stringOption(values, 'out') ?? join('evidence', demoFolderName(now)));
    const say = (line: string): void => {
      io.stdout.write(`${line}\n`);
    };
    say('packet demo: the whole life cycle, offline, with throw-away keys\n');
    const result = await runDemo({
      root: PROJECT_ROOT,
      out,
      cwd: io.cwd,
      now: new Date(Math.floor(now.getTime() / 1000) * 1000),
      say,
      // The bundled proposals carry real dates; judge them at the time they were written for,
      // so the demo does not start failing when their change windows pass.
      validate: () => validateContracts([join(PROJECT_ROOT, 'contracts')], { now: CONTRACTS_WRITTEN_FOR }),
    });
    say(`\nleft in ${result.out}: the packet, tsa-root.pem and policy.yaml (private keys were throw-away and are gone)`);
    say('verify it again by hand:');
    for (const command of result.commands) say(`  ${command}`);
    if (result.validation !== undefined && result.validation.verdict !== 'pass') return exitCodeFor(result.validation);
    return result.report.verdict === 'pass' ? ExitCode.OK : exitCodeFor(result.report);
  },
};
