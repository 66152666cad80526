import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { outputExists, refuseExisting, writeFileAtomic } from '../../core/atomic.js';
import { environmentError, PacketError, usageError } from '../../core/errors.js';
import { ExitCode } from '../../core/exit-codes.js';
import { TimestampError, startLocalTsa, type LocalTsaOptions } from '../../timestamp/index.js';
import { booleanOption, stringOption, type CommandSpec } from '../command.js';
import { closest } from '../suggest.js';

const ROOT_HINT = 'time-stamps made earlier chain to the root in that file: choose a new file, or pass --force to replace it';

const USAGE = `usage: packet tsa serve [--port N] [--key KEY --cert CERT] [--chain FILE] [--policy-oid OID]
                        [--root-out FILE [--force]]

Run a local RFC 3161 time-stamping authority over HTTP on 127.0.0.1, for demos,
development and tests. Without --key/--cert it makes a throw-away root CA and TSA
certificate (EKU timeStamping, critical) and writes the root PEM to --root-out
(default: a new temporary folder). Runs until interrupted (SIGINT or SIGTERM).

A root already at --root-out is never replaced without --force: time-stamps made earlier
chain to it, and a new throw-away root would make them unverifiable with that file.

options:
  --port N            port to listen on (default: a free port)
  --key KEY           TSA private key, unencrypted PEM (with --cert)
  --cert CERT         TSA certificate, PEM or DER (with --key)
  --chain FILE        intermediate and root certificates sent with tokens, PEM
  --policy-oid OID    TSA policy OID (default 1.3.6.1.4.1.32473.1.3161)
  --root-out FILE     where to write the root certificate PEM
  --force             replace a file already at --root-out

exit codes: 0 stopped by SIGINT or SIGTERM, 1 a file is already at --root-out, 2 usage error,
            3 the port is in use or the root cannot be written
`;

export const tsaCommand: CommandSpec = {
  name: 'tsa',
  usage: USAGE,
  options: {
    port: { type: 'string' },
    key: { type: 'string' },
    cert: { type: 'string' },
    chain: { type: 'string' },
    'policy-oid': { type: 'string' },
    // The old name, kept only to be refused with a pointer: --policy is a trust policy file everywhere else.
    policy: { type: 'string' },
    'root-out': { type: 'string' },
    force: { type: 'boolean' },
  },
  async run(args, io) {
    const [sub, ...extra] = args.positionals;
    if (sub !== 'serve' || extra.length > 0) {
      const near = sub !== undefined && sub !== 'serve' && closest(sub, ['serve']) !== undefined;
      throw usageError('BAD_ARGUMENTS', 'expected: packet tsa serve', { hint: `${near ? "did you mean 'packet tsa serve'? " : ''}run 'packet tsa --help' for usage` });
    }
    if (stringOption(args.values, 'policy') !== undefined) {
      throw usageError('BAD_ARGUMENTS', "tsa serve takes the TSA's policy OID as --policy-oid OID; --policy names a trust policy file in every other command", {
        hint: "did you mean --policy-oid? run 'packet tsa --help' for usage",
      });
    }
    const options: LocalTsaOptions = {};
    const port = stringOption(args.values, 'port');
    if (port !== undefined) {
      if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) throw usageError('BAD_OPTION_VALUE', `--port must be a number from 0 to 65535, got "${port}"`);
      options.port = Number(port);
    }
    const keyPath = stringOption(args.values, 'key');
    const certPath = stringOption(args.values, 'cert');
    if ((keyPath === undefined) !== (certPath === undefined)) throw usageError('MISSING_OPTION', '--key and --cert go together');
    if (keyPath !== undefined) options.key = await readInput(io.cwd, keyPath);
    if (certPath !== undefined) options.cert = await readInput(io.cwd, certPath);
    const chainPath = stringOption(args.values, 'chain');
    if (chainPath !== undefined) options.chain = await readInput(io.cwd, chainPath);
    const policyOid = stringOption(args.values, 'policy-oid');
    if (policyOid !== undefined) {
      if (!/^[0-2](\.(0|[1-9]\d*))+$/.test(policyOid)) throw usageError('BAD_OPTION_VALUE', `--policy-oid must be a dotted OID such as 1.3.6.1.4.1.32473.1.3161, got "${policyOid}"`);
      options.policy = policyOid;
    }
    const rootOutGiven = stringOption(args.values, 'root-out');
    const force = booleanOption(args.values, 'force');
    if (force && rootOutGiven === undefined) throw usageError('BAD_ARGUMENTS', '--force goes with --root-out FILE', { hint: "run 'packet tsa --help' for usage" });
    // Checked before the TSA starts; the write checks again, atomically.
    if (rootOutGiven !== undefined) await refuseExisting(resolve(io.cwd, rootOutGiven), force, rootOutGiven, ROOT_HINT);
    let tsa;
    try {
      tsa = await startLocalTsa(options);
    } catch (error) {
      if (error instanceof TimestampError) throw usageError(error.code, error.message.toLowerCase(), { cause: error });
      throw environmentError('TSA_LISTEN_FAILED', 'cannot start the local TSA', { cause: error, hint: 'is the port in use?' });
    }
    const rootOut = resolve(io.cwd, rootOutGiven ?? join(mkdtempSync(join(tmpdir(), 'packet-tsa-')), 'root.pem'));
    try {
      await writeFileAtomic(rootOut, tsa.rootPem, 0o644, { replace: force });
    } catch (error) {
      await tsa.close();
      if (error instanceof PacketError) throw outputExists(rootOutGiven ?? rootOut, ROOT_HINT);
      throw environmentError('WRITE_FAILED', `cannot write ${rootOut}`, { cause: error });
    }
    io.stdout.write(`tsa: listening on ${tsa.url}\ntsa: root certificate: ${rootOut}\n`);
    await untilSignalled();
    await tsa.close();
    io.stderr.write('tsa: stopped\n');
    return ExitCode.OK;
  },
};

function untilSignalled(): Promise<void> {
  return new Promise((resolvePromise) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolvePromise();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

async function readInput(cwd: string, path: string): Promise<Uint8Array> {
  try {
    return await readFile(resolve(cwd, path));
  } catch (error) {
    throw usageError('FILE_UNREADABLE', `cannot read ${path}`, { cause: error });
  }
}
