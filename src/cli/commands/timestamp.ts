import { ExitCode } from '../../core/exit-codes.js';
import { guardInterrupts } from '../../core/interrupt.js';
import { usageError } from '../../core/errors.js';
import { resolve } from 'node:path';
import { importTimestamp, timestampPacket, type TimestampPacketResult } from '../../ceremony/timestamp.js';
import { choiceOption, nowOption, requireStringOption, pathOption, stringOption, singlePacket, type CommandSpec, type Invocation } from '../command.js';
import type { CliIo } from '../io.js';
import { plural } from '../../core/plural.js';
import { writeResult } from '../output.js';

export const timestampCommand: CommandSpec = {
  name: 'timestamp',
  usage: `usage: packet timestamp PACKET --tsa URL [options]
       packet timestamp PACKET --import FPR FILE.tsr (--policy FILE | --tsa-ca FILE [--tsa-certs FILE])

Asks the time-stamping authority at URL for a token over the bytes of each
signatures/<FPR>.asc that has no timestamps/<FPR>.tsr yet, checks each reply against its
request (status, imprint, nonce) and verifies it before storing it. Nothing is written unless
every request succeeds.

With --import, adds a time-stamp obtained elsewhere (a DER TimeStampResp or bare token) for
signatures/FPR.asc, after verifying it over that signature against the policy's TSAs or the
given roots. Tokens without certificates verify when the TSA certificate is supplied (the
policy's tsa[].certificates, or --tsa-certs). A signature holds one time-stamp: one already
there is kept if it verifies (exit 0, "present"), and is refused as in the way otherwise.

options:
  --tsa URL           the TSA (http or https; Content-Type application/timestamp-query)
  --tsa-ca FILE       the TSA's root certificate(s), PEM: each token must chain to one
  --policy-oid OID    ask the TSA for this policy
  --timeout SECONDS   per request (default 30)
  --import FPR        add FILE.tsr for the signature of key FPR (no request is made)
  --policy FILE       with --import: the trust policy whose TSAs the token must chain to
  --tsa-certs FILE    with --import and --tsa-ca: TSA and intermediate certificates, PEM (never anchors)
  --now RFC3339       with --import: evaluation time (default: now)
  --format text|json  output format (default text)

exit codes: 0 stamped (or stamped already), 1 the packet is not intact or a token is rejected, 2 usage error,
            3 the TSA is unreachable or the packet cannot be written, 130/143 interrupted
`,
  options: {
    tsa: { type: 'string' },
    'tsa-ca': { type: 'string' },
    'policy-oid': { type: 'string' },
    timeout: { type: 'string' },
    format: { type: 'string' },
    import: { type: 'string' },
    policy: { type: 'string' },
    'tsa-certs': { type: 'string' },
    now: { type: 'string' },
  },
  async run({ values, positionals, invocation }, io) {
    guardInterrupts(io.stderr, io.stderrIsTTY);
    const format = choiceOption(values, 'format', ['text', 'json'] as const, 'text');
    if (stringOption(values, 'import') !== undefined) {
      const imported = await runImport(values, positionals, io);
      return render(io, format, invocation, imported.packetPath, imported.result);
    }
    for (const name of ['policy', 'tsa-certs', 'now']) {
      if (stringOption(values, name) !== undefined) throw usageError('BAD_ARGUMENTS', `--${name} goes with --import`, { hint: "run 'packet timestamp --help' for usage" });
    }
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
    return render(io, format, invocation, packetPath, result);
  },
};

function render(io: CliIo, format: 'text' | 'json', invocation: Invocation, packetPath: string, result: TimestampPacketResult): number {
  if (format === 'json') {
    writeResult(io, invocation, { path: packetPath, added: result.added, alreadyStamped: result.alreadyStamped });
  } else {
    const nothing = result.added.length === 0 && result.alreadyStamped.length > 0;
    const lines = [`packet timestamp: ${nothing ? `every signature in ${packetPath} already has its time-stamp; nothing changed` : `${plural(result.added.length, 'time-stamp', 'time-stamps')} added to ${packetPath}`}`];
    for (const file of result.added) lines.push(`  added   ${file}`);
    for (const file of result.alreadyStamped) lines.push(`  present ${file}`);
    io.stdout.write(`${lines.join('\n')}\n`);
  }
  return ExitCode.OK;
}

type Values = Parameters<CommandSpec['run']>[0]['values'];

async function runImport(values: Values, positionals: string[], io: CliIo): Promise<{ packetPath: string; result: TimestampPacketResult }> {
  const fingerprint = (stringOption(values, 'import') ?? '').toUpperCase();
  if (!/^[0-9A-F]{40}$/.test(fingerprint)) throw usageError('BAD_OPTION_VALUE', `--import takes the signer's 40-hex primary fingerprint, got "${stringOption(values, 'import')}"`);
  if (positionals.length !== 2) {
    throw usageError('BAD_ARGUMENTS', `--import expects PACKET and FILE.tsr, got ${positionals.length} arguments`, { hint: "run 'packet timestamp --help' for usage" });
  }
  for (const name of ['tsa', 'timeout', 'policy-oid']) {
    if (stringOption(values, name) !== undefined) throw usageError('BAD_ARGUMENTS', `--${name} cannot be used with --import (no request is made)`);
  }
  const packetPath = resolve(io.cwd, positionals[0] as string);
  const tokenFile = resolve(io.cwd, positionals[1] as string);
  const policyFile = pathOption(io, values, 'policy');
  const caFile = pathOption(io, values, 'tsa-ca');
  const certsFile = pathOption(io, values, 'tsa-certs');
  if ((policyFile === undefined) === (caFile === undefined) || (certsFile !== undefined && caFile === undefined)) {
    throw usageError('BAD_ARGUMENTS', '--import needs either --policy FILE or --tsa-ca FILE (with --tsa-certs only beside --tsa-ca)', {
      hint: 'a token is added only after it verifies against a TSA you trust',
    });
  }
  const now = nowOption(io, values);
  const [{ loadTrustPolicy }, { trustedTsasFromOptions }] = await Promise.all([import('../../trust/index.js'), import('../trusted-tsas.js')]);
  const policy = policyFile === undefined ? undefined : await loadTrustPolicy(policyFile);
  const trusted = await trustedTsasFromOptions(policy, caFile, certsFile);
  return { packetPath, result: await importTimestamp(packetPath, { fingerprint, tokenFile, trusted, now }) };
}
