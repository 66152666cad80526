import { resolve } from 'node:path';
import { guardInterrupts } from '../../core/interrupt.js';
import { ExitCode } from '../../core/exit-codes.js';
import { usageError } from '../../core/errors.js';
import { formatRfc3339 } from '../../core/time.js';
import { attachSignature } from '../../ceremony/attach.js';
import { loadTrustPolicy, type TrustPolicy } from '../../trust/index.js';
import type { TrustedTsa } from '../../timestamp/index.js';
import type { CliIo } from '../io.js';
import { trustedTsasFromOptions } from '../trusted-tsas.js';
import { choiceOption, pathOption, nowOption, type CommandSpec } from '../command.js';
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

To merge another signer's copy of the packet, attach the signature from it together with its
key and its time-stamp (--timestamp), which is added after it verifies against the TSAs of
--policy (or --tsa-ca), so that the signer's trusted time carries over:
    tar -xf bob/NAME.packet.tar -C from-bob signatures keys timestamps
    packet attach NAME.packet.tar from-bob/signatures/FPR.asc --key from-bob/keys/FPR.asc \
      --timestamp from-bob/timestamps/FPR.tsr --policy policy.yaml

options:
  --key FILE          the signer's public key (repeatable; also added as keys/<FPR>.asc)
  --policy FILE       use the public keys named in this trust policy (and, with --timestamp,
                      its TSAs)
  --timestamp FILE    the signature's RFC 3161 time-stamp (DER response or bare token), added
                      in the same write once it verifies over the signature
  --tsa-ca FILE       with --timestamp and no --policy: the TSA's root certificate(s), PEM
  --tsa-certs FILE    with --tsa-ca: TSA and intermediate certificates, PEM (never anchors)
  --now RFC3339       evaluation time (default: now)
  --format text|json  output format (default text)

exit codes: 0 attached (or signed already by that key), 1 the packet is not intact, or the
            signature or time-stamp does not verify, 2 usage error, 3 the packet cannot be written,
            130/143 interrupted
`,
  options: {
    key: { type: 'string', multiple: true },
    policy: { type: 'string' },
    timestamp: { type: 'string' },
    'tsa-ca': { type: 'string' },
    'tsa-certs': { type: 'string' },
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
    const timestamp = await timestampOption(io, values, policy);
    const result = await attachSignature(packetPath, signatureFile, { now, keyFiles, ...(policy === undefined ? {} : { policy }), ...(timestamp === undefined ? {} : { timestamp }) });
    if (format === 'json') {
      writeResult(io, invocation, {
        path: packetPath,
        fingerprint: result.fingerprint,
        signature: result.file,
        alreadyPresent: result.alreadyPresent,
        ...(result.timestamp ? { timestamp: result.timestamp } : {}),
        ...(result.created ? { created: formatRfc3339(result.created) } : {}),
      });
    } else {
      io.stdout.write(`packet attach: ${result.alreadyPresent ? `${result.file} is already in ${packetPath}: this key has signed it; nothing changed` : `added ${result.file} to ${packetPath}`}\n`);
      if (result.timestamp !== undefined) io.stdout.write(`  with ${result.timestamp}\n`);
    }
    return ExitCode.OK;
  },
};

type Values = Parameters<CommandSpec['run']>[0]['values'];

/** --timestamp FILE with the TSAs it must verify against: the policy's, or --tsa-ca (and --tsa-certs). */
async function timestampOption(io: CliIo, values: Values, policy: TrustPolicy | undefined): Promise<{ file: string; trusted: TrustedTsa[] } | undefined> {
  const file = pathOption(io, values, 'timestamp');
  const caFile = pathOption(io, values, 'tsa-ca');
  const certsFile = pathOption(io, values, 'tsa-certs');
  if (file === undefined) {
    if (caFile !== undefined || certsFile !== undefined) throw usageError('BAD_ARGUMENTS', '--tsa-ca and --tsa-certs go with --timestamp', { hint: "run 'packet attach --help' for usage" });
    return undefined;
  }
  if ((policy === undefined) === (caFile === undefined) || (certsFile !== undefined && caFile === undefined)) {
    throw usageError('BAD_ARGUMENTS', '--timestamp needs either --policy FILE or --tsa-ca FILE (with --tsa-certs only beside --tsa-ca)', {
      hint: 'a time-stamp is added only after it verifies against a TSA you trust',
    });
  }
  return { file, trusted: await trustedTsasFromOptions(policy, caFile, certsFile) };
}
