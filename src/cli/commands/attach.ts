import { resolve } from 'node:path';
import { guardInterrupts } from '../../core/interrupt.js';
import { ExitCode } from '../../core/exit-codes.js';
import { usageError } from '../../core/errors.js';
import { formatRfc3339 } from '../../core/time.js';
import { attachSignature } from '../../ceremony/attach.js';
import { loadTrustPolicy } from '../../trust/index.js';
import { choiceOption, pathOption, stringOption, nowOption, type CommandSpec } from '../command.js';
import { writeResult } from '../output.js';

export const attachCommand: CommandSpec = {
  name: 'attach',
  usage: `usage: packet attach PACKET SIGNATURE [options]

Adds a detached OpenPGP signature over PACKET's manifest.sha256 that was made elsewhere, for
example on an air-gapped laptop with:
    gpg --detach-sign --armor manifest.sha256
It must verify over this packet's manifest first. Binary signatures are stored armored.
A packet holds one signature per key: when the key has signed already, its signature there is
kept if it verifies and attach exits 0 saying so (one that does not verify is refused).

options:
  --key FILE          the signer's public key (repeatable; also added as keys/<FPR>.asc)
  --policy FILE       use the public keys named in this trust policy
  --now RFC3339       evaluation time (default: now)
  --format text|json  output format (default text)

exit codes: 0 attached (or signed already by that key), 1 the packet is not intact or the
            signature does not verify, 2 usage error, 3 the packet cannot be written, 130/143 interrupted
`,
  options: {
    key: { type: 'string', multiple: true },
    policy: { type: 'string' },
    now: { type: 'string' },
    format: { type: 'string' },
  },
  async run({ values, positionals, invocation }, io) {
    guardInterrupts(io.stderr, io.stderrIsTTY);
    const format = choiceOption(values, 'format', ['text', 'json'] as const, 'text');
    if (positionals.length !== 2) {
      throw usageError('BAD_ARGUMENTS', `expected PACKET and SIGNATURE, got ${positionals.length} arguments`, { hint: "run 'packet attach --help' for usage" });
    }
    const [packetPath, signatureFile] = (positionals as [string, string]).map((p) => resolve(io.cwd, p)) as [string, string];
    const now = nowOption(io, values);
    const policyFile = pathOption(io, values, 'policy');
    const policy = policyFile === undefined ? undefined : await loadTrustPolicy(policyFile);
    const keyFiles = ((values.key as string[] | undefined) ?? []).map((p) => resolve(io.cwd, p));
    const result = await attachSignature(packetPath, signatureFile, { now, keyFiles, ...(policy === undefined ? {} : { policy }) });
    if (format === 'json') {
      writeResult(io, invocation, { path: packetPath, fingerprint: result.fingerprint, signature: result.file, alreadyPresent: result.alreadyPresent, ...(result.created ? { created: formatRfc3339(result.created) } : {}) });
    } else {
      io.stdout.write(`packet attach: ${result.alreadyPresent ? `${result.file} is already in ${packetPath}: this key has signed it; nothing changed` : `added ${result.file} to ${packetPath}`}\n`);
    }
    return ExitCode.OK;
  },
};
