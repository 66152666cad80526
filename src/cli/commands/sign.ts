import { ExitCode } from '../../core/exit-codes.js';
import { guardInterrupts } from '../../core/interrupt.js';
import { usageError } from '../../core/errors.js';
import { formatRfc3339 } from '../../core/time.js';
import { signPacket, type Signer } from '../../ceremony/sign.js';
import { loadTrustPolicy } from '../../trust/index.js';
import { booleanOption, choiceOption, pathOption, stringOption, nowOption, singlePacket, type CommandSpec } from '../command.js';
import { PASSPHRASE_ENV, passphraseSource } from '../passphrase.js';
import { writeResult } from '../output.js';

export const signCommand: CommandSpec = {
  name: 'sign',
  usage: `usage: packet sign PACKET (--key KEY.asc | --gpg) [options]

Signs the exact bytes of PACKET's manifest.sha256 and adds signatures/<FPR>.asc and
keys/<FPR>.asc (FPR = the key's primary fingerprint). The sealed part is never changed; two
people signing the same packet file at the same moment both land.

options:
  --key FILE              OpenPGP private key, armored or binary (v4: Ed25519, NIST P-256/
                          P-384 ECDSA, or RSA 3072+); exactly one key per file
  --passphrase-file FILE  read the key's passphrase from FILE (else $PACKET_PASSPHRASE,
                          else a prompt on a terminal that names the key and allows
                          three tries; never from the command line)
  --gpg                   sign with the local gpg (gpg-agent, smartcards, hardware tokens)
  --local-user ID         with --gpg: which key to use
  --policy FILE           refuse a key this trust policy does not pin (checked before any
                          passphrase or PIN is asked for)
  --now RFC3339           signing time (default: now)
  --format text|json      output format (default text)

A key that has already signed PACKET signs nothing: its signature there is checked and
sign exits 0 saying so (one that does not verify is refused; see 'packet unsign').

exit codes: 0 signed (or signed already), 1 the packet is not intact, the key is unusable or
            the passphrase is wrong, 2 usage error,
            3 gpg missing or failing, or the packet cannot be written, 130/143 interrupted
`,
  options: {
    key: { type: 'string' },
    'passphrase-file': { type: 'string' },
    gpg: { type: 'boolean' },
    'local-user': { type: 'string' },
    policy: { type: 'string' },
    now: { type: 'string' },
    format: { type: 'string' },
  },
  async run({ values, positionals, invocation }, io) {
    guardInterrupts(io.stderr, io.stderrIsTTY);
    const format = choiceOption(values, 'format', ['text', 'json'] as const, 'text');
    const packetPath = singlePacket(positionals, 'sign', io);
    const keyFile = pathOption(io, values, 'key');
    const useGpg = booleanOption(values, 'gpg');
    if ((keyFile === undefined) === !useGpg) {
      throw usageError('BAD_ARGUMENTS', 'give exactly one of --key FILE or --gpg', { hint: "run 'packet sign --help' for usage" });
    }
    const now = nowOption(io, values);
    const policyFile = pathOption(io, values, 'policy');
    const policy = policyFile === undefined ? undefined : await loadTrustPolicy(policyFile);
    let signer: Signer;
    if (keyFile !== undefined) {
      if (stringOption(values, 'local-user') !== undefined) throw usageError('BAD_ARGUMENTS', '--local-user goes with --gpg, not --key');
      const passphraseFile = pathOption(io, values, 'passphrase-file');
      // Asked for only once the packet checks out and the key turns out to be protected.
      signer = { kind: 'key-file', keyFile, passphrase: passphraseSource(io, passphraseFile) };
    } else {
      if (stringOption(values, 'passphrase-file') !== undefined) {
        throw usageError('BAD_ARGUMENTS', '--passphrase-file goes with --key; gpg asks for its passphrase through its own pinentry');
      }
      const localUser = stringOption(values, 'local-user');
      // gpg and pinentry do not need our passphrase variable; keep it out of their environment.
      const { [PASSPHRASE_ENV]: _, ...env } = io.env;
      signer = { kind: 'gpg', ...(localUser === undefined ? {} : { localUser }), env };
    }
    if (policy !== undefined) signer.policy = policy;
    const result = await signPacket(packetPath, signer, now);
    if (format === 'json') {
      writeResult(io, invocation, { path: packetPath, digest: result.digest, fingerprint: result.fingerprint, signature: `signatures/${result.fingerprint}.asc`, created: formatRfc3339(result.created), alreadyPresent: result.alreadyPresent });
    } else {
      const what = result.alreadyPresent ? `signatures/${result.fingerprint}.asc is already in ${packetPath}: this key has signed it; nothing changed` : `added signatures/${result.fingerprint}.asc to ${packetPath}`;
      io.stdout.write(`packet sign: ${what}\n  digest  sha256:${result.digest}\n  signed  ${formatRfc3339(result.created)}\n`);
    }
    return ExitCode.OK;
  },
};
