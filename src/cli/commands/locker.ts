import { endInterrupted, type InterruptSignal } from '../../core/interrupt.js';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describeCause, inputError, usageError } from '../../core/errors.js';
import { ledgerStamper, type Stamper } from '../../locker/stamp.js';
import type { TrustedTsa } from '../../timestamp/verify.js';
import { formatRfc3339, parseRfc3339 } from '../../core/time.js';
import type { LockerBackend, LockerConfig, RetentionMode } from '../../locker/index.js';
import { booleanOption, choiceOption, nowOption, pathOption, stringOption, type CommandSpec, type Invocation, type OptionValues } from '../command.js';
import type { CliIo } from '../io.js';
import { exitCodeFor, writeReport, writeResult } from '../output.js';
import { createProgress, formatBytes, ofTotal } from '../progress.js';
import { closest } from '../suggest.js';
import { tuneForLargeTransfers } from '../transfer-tuning.js';
import { plural } from '../../core/plural.js';

const SUBCOMMANDS = ['push', 'pull', 'list', 'hold', 'release', 'retention', 'verify'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

export const lockerCommand: CommandSpec = {
  name: 'locker',
  usage: `usage: packet locker SUBCOMMAND (--locker FILE | --folder DIR) [options]

Keeps packets for years: in an S3 bucket with Object Lock (retention, legal hold), or in a
folder (demo, one machine, offline mirrors; a folder gives NO WORM guarantee). Every push, hold,
release and retention change is recorded in a hash-linked ledger. Credentials come only from
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN) or a profile (AWS_PROFILE or
s3.profile in the locker file); never from the command line. See docs/locker.md.

subcommands:
  push PACKET               verify PACKET (integrity; with --policy also signatures and dual
                            control), store it under retention, index it, record it
  pull DIGEST --out FILE    fetch a packet; its bytes must hash to what was pushed
  pull --all --out DIR      mirror the whole locker (with lock state) into a folder
  list                      list packets from the index (no packet is downloaded)
  hold DIGEST               put a packet under legal hold
  release DIGEST            lift a packet's legal hold
  retention DIGEST          extend retention: --until RFC3339 or --days N (never shorter)
  verify                    check the ledger chain, every packet, index entry and lock state

exit codes: 0 ok, 1 a check failed, the store refused or --out exists, 2 usage error,
            3 store unreachable or no credentials

options:
  --locker FILE             the locker file (schemas/locker.schema.json)
  --folder DIR              a folder locker without a locker file (mirrors, the demo)
  --policy FILE             push: also require this trust policy to pass
  --out PATH                pull: the file (or with --all, the folder) to write
  --all                     pull: every object
  --force                   pull DIGEST: replace a file already at --out (never done otherwise)
  --tenant ID, --environment ENV, --operation OP
  --since DATE, --until DATE
                            list: filters (DATE is YYYY-MM-DD or RFC 3339); retention: --until
  --days N                  retention: keep N more days from now
  --mode COMPLIANCE|GOVERNANCE
                            retention: the mode (default: the current one)
  --tsa-ca FILE             verify: the TSA root(s) you trust; every ledger entry must then carry
                            a valid RFC 3161 time-stamp (entries are time-stamped when the
                            locker file names a ledger TSA)
  --now RFC3339             the time to record and judge at (default: now)
  --format text|json        output format (default text)
  --quiet                   no progress display
`,
  options: {
    locker: { type: 'string' },
    folder: { type: 'string' },
    policy: { type: 'string' },
    out: { type: 'string' },
    all: { type: 'boolean' },
    force: { type: 'boolean' },
    tenant: { type: 'string' },
    environment: { type: 'string' },
    operation: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    days: { type: 'string' },
    mode: { type: 'string' },
    'tsa-ca': { type: 'string' },
    now: { type: 'string' },
    format: { type: 'string' },
    quiet: { type: 'boolean' },
  },
  describe: ({ values, positionals }) => {
    const [sub, ...operands] = positionals;
    const known = sub !== undefined && (SUBCOMMANDS as readonly string[]).includes(sub);
    const locker = stringOption(values, 'locker') ?? stringOption(values, 'folder') ?? '';
    return { command: known ? `locker ${sub}` : 'locker', subject: known && operands.length > 0 ? operands.join(' ') : locker };
  },
  async run({ values, positionals, invocation }, io) {
    const sub = positionals[0];
    if (sub === undefined || !(SUBCOMMANDS as readonly string[]).includes(sub)) {
      const near = sub === undefined ? undefined : closest(sub, SUBCOMMANDS);
      throw usageError('BAD_ARGUMENTS', sub === undefined ? 'a subcommand is required' : `unknown subcommand "${sub}"`, {
        hint: `${near === undefined ? '' : `did you mean 'packet locker ${near}'? `}use one of ${SUBCOMMANDS.join(', ')}; run 'packet locker --help'`,
      });
    }
    const format = choiceOption(values, 'format', ['text', 'json'] as const, 'text');
    const now = nowOption(io, values);
    const args = positionals.slice(1);
    checkArguments(sub as Subcommand, args, values);
    const config = await lockerConfig(io, values);
    // Each subcommand loads only the modules it needs: `list` and `pull` never load the verifier's
    // OpenPGP and ASN.1 libraries (startup time counts for a listing).
    const { openLocker } = await import('../../locker/open.js');
    const { runInterruptCleanups } = await import('../../locker/interrupt.js');
    const backend = await openLocker(config, { env: io.env });
    // Interrupted, undo what is half-done (a multipart upload, temporary files: also those created
    // but not yet handed to the locker's own clean-ups, registered when named), then exit 128 + signal.
    const interrupted = (signal: InterruptSignal) => () => void runInterruptCleanups().finally(() => process.exit(endInterrupted(signal, io.stderr)));
    const onSigint = interrupted('SIGINT');
    const onSigterm = interrupted('SIGTERM');
    const onSighup = interrupted('SIGHUP');
    process.once('SIGINT', onSigint).once('SIGTERM', onSigterm).once('SIGHUP', onSighup);
    try {
      return await runSubcommand(sub as Subcommand, { io, values, args, format, now, config, backend, invocation });
    } catch (error) {
      const { LockRefusedError } = await import('../../locker/errors.js');
      if (error instanceof LockRefusedError) throw inputError('LOCKER_LOCK_REFUSED', error.message, { cause: error, hint: 'retention can only be extended, and COMPLIANCE can never be weakened' });
      throw error;
    } finally {
      process.off('SIGINT', onSigint).off('SIGTERM', onSigterm).off('SIGHUP', onSighup);
      await backend.close();
    }
  },
};

interface Context {
  io: CliIo;
  values: OptionValues;
  args: string[];
  format: 'text' | 'json';
  now: Date;
  config: LockerConfig;
  backend: LockerBackend;
  invocation: Invocation;
}

async function lockerConfig(io: CliIo, values: OptionValues): Promise<LockerConfig> {
  const file = pathOption(io, values, 'locker');
  const folder = pathOption(io, values, 'folder');
  if ((file === undefined) === (folder === undefined)) {
    throw usageError('MISSING_OPTION', 'name the locker with exactly one of --locker FILE or --folder DIR', { hint: "run 'packet locker --help' for usage" });
  }
  const { loadLockerConfig, folderLockerConfig } = await import('../../locker/config.js');
  if (file !== undefined) return loadLockerConfig(file);
  return folderLockerConfig(folder as string);
}

async function runSubcommand(sub: Subcommand, ctx: Context): Promise<number> {
  const { io, values, backend, now } = ctx;
  const progress = createProgress(io, booleanOption(values, 'quiet'));
  let moved = 0;
  const onProgress = (bytes: number, total?: number): void => {
    moved += bytes;
    progress.update(`packet: ${sub} ${ofTotal(moved, total)}`);
  };
  try {
    switch (sub) {
      case 'push': {
        const packet = resolve(io.cwd, oneArgument(ctx.args, 'PACKET', sub));
        tuneForLargeTransfers();
        const policyFile = pathOption(io, values, 'policy');
        const policy = policyFile === undefined ? undefined : await (await import('../../trust/index.js')).loadTrustPolicy(policyFile);
        const { pushPacket } = await import('../../locker/push.js');
        const result = await pushPacket(backend, ctx.config, packet, { now, onProgress, ...(policy === undefined ? {} : { policy }), ...stampOption(ctx.config) });
        progress.done();
        if (!result.pushed) {
          writeReport(io, result.report, ctx.format, { head: ctx.invocation, facts: { path: packet } });
          io.stderr.write('packet: not pushed: the packet did not verify\n');
          return exitCodeFor(result.report);
        }
        const state = result.alreadyStored === true ? 'already in the locker' : result.resumed === true ? 'pushed (completed an interrupted push)' : 'pushed';
        if (result.packProblem !== undefined) io.stderr.write(`packet: warning: the index was not packed (list reads its entries one by one): ${result.packProblem}\n`);
        return emit(ctx, {
          path: packet, state, digest: result.digest, key: result.key, ledgerSeq: result.ledgerSeq, entry: result.entry, lock: lockFacts(result.lock), worm: backend.worm, ...(result.packed === undefined ? {} : { indexPacked: result.packed }),
        }, [
          `${state}: sha256:${result.digest}`,
          `  to ${backend.description}${backend.worm ? '' : ' (a folder: no WORM guarantee)'}`,
          `  lock: ${describe(result.lock)}`,
          ...(result.ledgerSeq === undefined ? [] : [`  ledger entry ${result.ledgerSeq}`]),
          ...(result.packed === undefined ? [] : [`  index: ${plural(result.packed, 'entry', 'entries')} packed for list`]),
        ]);
      }
      case 'pull': {
        const out = pathOption(io, values, 'out');
        if (out === undefined) throw usageError('MISSING_OPTION', '--out is required', { hint: "run 'packet locker --help' for usage" });
        tuneForLargeTransfers();
        if (booleanOption(values, 'all')) {
          if (ctx.args.length > 0) throw usageError('BAD_ARGUMENTS', 'pull --all takes no DIGEST');
          const { pullAll } = await import('../../locker/pull.js');
          const result = await pullAll(backend, out, onProgress);
          progress.done();
          return emit(ctx, { all: true, out, ...result }, [`mirrored ${plural(result.objects, 'object', 'objects')} (${formatBytes(result.bytes)}; ${result.skipped} already there) into ${out}`]);
        }
        const digest = digestArgument(ctx.args, sub);
        const { pullPacket } = await import('../../locker/pull.js');
        const result = await pullPacket(backend, digest, out, onProgress, { force: booleanOption(values, 'force') });
        progress.done();
        return emit(ctx, { digest, out, object: result.object }, [`pulled sha256:${digest} to ${out}: ${formatBytes(result.object.size)}, bytes hash to what was pushed`]);
      }
      case 'list': {
        const filter = {
          ...optionalLabel(values, 'tenant'),
          ...optionalLabel(values, 'environment'),
          ...(stringOption(values, 'operation') === undefined ? {} : { operation: stringOption(values, 'operation') as string }),
          ...(stringOption(values, 'since') === undefined ? {} : { since: dateOption(values, 'since') }),
          ...(stringOption(values, 'until') === undefined ? {} : { until: dateOption(values, 'until') }),
        };
        const { listEntries } = await import('../../locker/catalog.js');
        const listed = await listEntries(backend, filter);
        const bad = listed.filter((item) => item.entry === undefined);
        const entries = listed.flatMap((item) => (item.entry === undefined ? [] : [item.entry]));
        if (ctx.format === 'json') writeResult(io, ctx.invocation, { entries, problems: bad });
        else {
          // Names and operations come from packets: shown on one line, without control characters.
          const { displayText } = await import('../../report/index.js');
          const show = (text: string | undefined): string => (text === undefined ? '-' : displayText(text, 200).replace(/[\t\n\r]/g, ' '));
          for (const e of entries) io.stdout.write(`${show(e.created)}  ${e.tenant ?? '-'}/${e.environment ?? '-'}  ${show(e.operation)}  ${show(e.name)}  sha256:${e.digest}  ${plural(e.signers.length, 'signature', 'signatures')}\n`);
          io.stdout.write(`${plural(entries.length, 'packet', 'packets')}\n`);
          for (const item of bad) io.stderr.write(`packet: unreadable index entry ${item.key}: ${item.problem ?? 'invalid'}\n`);
        }
        return bad.length > 0 ? 1 : 0;
      }
      case 'hold':
      case 'release': {
        const digest = digestArgument(ctx.args, sub);
        const { setHold } = await import('../../locker/custody.js');
        const result = await setHold(backend, digest, sub === 'hold', now, ledgerStamper(ctx.config));
        return emit(ctx, { digest, lock: lockFacts(result.lock), ledgerSeq: result.ledgerSeq }, [`legal hold ${sub === 'hold' ? 'ON' : 'OFF'} for sha256:${digest} (read back: ${describe(result.lock)}); ledger entry ${result.ledgerSeq}`]);
      }
      case 'retention': {
        const digest = digestArgument(ctx.args, sub);
        const { packetKey } = await import('../../locker/layout.js');
        const current = await backend.getLock(packetKey(digest));
        const until = retentionUntil(values, now);
        const mode = (stringOption(values, 'mode') === undefined ? current.mode ?? ctx.config.retention.default.mode : choiceOption(values, 'mode', ['COMPLIANCE', 'GOVERNANCE'] as const, 'COMPLIANCE')) as RetentionMode;
        const { extendRetention } = await import('../../locker/custody.js');
        const result = await extendRetention(backend, digest, mode, until, now, ledgerStamper(ctx.config));
        return emit(ctx, { digest, lock: lockFacts(result.lock), ledgerSeq: result.ledgerSeq }, [`retention of sha256:${digest}: ${describe(result.lock)}; ledger entry ${result.ledgerSeq}`]);
      }
      case 'verify': {
        if (ctx.args.length > 0) throw usageError('BAD_ARGUMENTS', 'verify takes no arguments');
        const tsaCa = pathOption(io, values, 'tsa-ca');
        const tsa = tsaCa === undefined ? undefined : [await readTsaRoots(tsaCa)];
        const { verifyLocker } = await import('../../locker/verify.js');
        const report = await verifyLocker(backend, { now, onProgress, ...(tsa === undefined ? {} : { tsa }) });
        progress.done();
        writeReport(io, report, ctx.format, { showPassed: true, head: ctx.invocation });
        return exitCodeFor(report);
      }
    }
  } finally {
    progress.done();
  }
}

function stampOption(config: LockerConfig): { stamp?: Stamper } {
  const stamp = ledgerStamper(config);
  return stamp === undefined ? {} : { stamp };
}

async function readTsaRoots(file: string): Promise<TrustedTsa> {
  const { loadCertificates } = await import('../../timestamp/index.js');
  try {
    return { name: file, roots: loadCertificates(await readFile(file)) };
  } catch (error) {
    throw usageError('TSA_CA_UNREADABLE', `cannot read TSA roots from ${file}: ${describeCause(error)}`, { hint: 'check the --tsa-ca path: a PEM or DER certificate file' });
  }
}

/** Usage errors are found before any store is contacted. */
function checkArguments(sub: Subcommand, args: string[], values: OptionValues): void {
  if (sub === 'push') oneArgument(args, 'PACKET', sub);
  if (sub === 'hold' || sub === 'release' || sub === 'retention' || (sub === 'pull' && !booleanOption(values, 'all'))) digestArgument(args, sub);
  if ((sub === 'list' || sub === 'verify') && args.length > 0) throw usageError('BAD_ARGUMENTS', `locker ${sub} takes no arguments`, { hint: "run 'packet locker --help' for usage" });
  if (sub === 'pull' && stringOption(values, 'out') === undefined) throw usageError('MISSING_OPTION', '--out is required', { hint: "run 'packet locker --help' for usage" });
  if (booleanOption(values, 'force') && (sub !== 'pull' || booleanOption(values, 'all'))) {
    throw usageError('BAD_ARGUMENTS', '--force goes with pull DIGEST --out FILE', { hint: 'a mirror (pull --all) adds what is missing and never replaces anything' });
  }
  if (sub === 'retention') retentionUntil(values, new Date(0));
  if (sub === 'list') for (const name of ['since', 'until'] as const) if (stringOption(values, name) !== undefined) dateOption(values, name);
}

function emit(ctx: Context, data: Record<string, unknown>, lines: string[]): number {
  if (ctx.format === 'json') writeResult(ctx.io, ctx.invocation, data);
  else ctx.io.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

function oneArgument(args: string[], name: string, sub: string): string {
  if (args.length !== 1) throw usageError('BAD_ARGUMENTS', `locker ${sub} takes exactly one ${name}, got ${args.length}`, { hint: "run 'packet locker --help' for usage" });
  return args[0] as string;
}

function digestArgument(args: string[], sub: string): string {
  const text = oneArgument(args, 'DIGEST', sub).replace(/^sha256:/, '');
  if (!/^[0-9a-f]{64}$/.test(text)) throw usageError('BAD_DIGEST', `DIGEST must be 64 lowercase hex digits (optionally after sha256:), got ${JSON.stringify(args[0])}`);
  return text;
}

function optionalLabel(values: OptionValues, name: 'tenant' | 'environment'): Record<string, string> {
  const value = stringOption(values, name);
  if (value === undefined) return {};
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(value)) throw usageError('BAD_OPTION_VALUE', `--${name} must be a DNS label, got ${JSON.stringify(value)}`);
  return { [name]: value };
}

/** YYYY-MM-DD (midnight UTC) or a full RFC 3339 date-time. */
function dateOption(values: OptionValues, name: string): Date {
  const text = stringOption(values, name) as string;
  const date = /^\d{4}-\d{2}-\d{2}$/.test(text) ? parseRfc3339(`${text}T00:00:00Z`) : parseRfc3339(text);
  if (date === undefined) throw usageError('BAD_TIME', `--${name} must be YYYY-MM-DD or an RFC 3339 date-time, got ${JSON.stringify(text)}`);
  return date;
}

function retentionUntil(values: OptionValues, now: Date): Date {
  const days = stringOption(values, 'days');
  const until = stringOption(values, 'until');
  if ((days === undefined) === (until === undefined)) throw usageError('MISSING_OPTION', 'retention needs exactly one of --until DATE or --days N');
  if (until !== undefined) return dateOption(values, 'until');
  if (!/^[1-9]\d{0,4}$/.test(days as string)) throw usageError('BAD_OPTION_VALUE', `--days must be a whole number from 1 to 99999, got ${JSON.stringify(days)}`);
  return new Date(now.getTime() + Number(days) * 86_400_000);
}

function lockFacts(lock: { mode?: string; retainUntil?: Date; legalHold: boolean } | undefined): Record<string, unknown> | undefined {
  if (lock === undefined) return undefined;
  return { ...(lock.mode === undefined ? {} : { mode: lock.mode }), ...(lock.retainUntil === undefined ? {} : { retainUntil: formatRfc3339(lock.retainUntil) }), legalHold: lock.legalHold };
}

function describe(lock: { mode?: string; retainUntil?: Date; legalHold: boolean } | undefined): string {
  if (lock === undefined) return 'unknown';
  return `${lock.mode === undefined ? 'no retention' : `${lock.mode} until ${formatRfc3339(lock.retainUntil as Date)}`}, legal hold ${lock.legalHold ? 'ON' : 'OFF'}`;
}
