import { resolve } from 'node:path';
import type { CliIo } from '../io.js';
import { verifyPacket } from '../../verify/verify.js';
import { expandPacketArguments, BatchTally, type BatchSummary } from '../../verify/batch.js';
import { booleanOption, choiceOption, pathOption, stringOption, nowOption, type CommandSpec, type Invocation, type OptionValues } from '../command.js';
import { exitCodeFor, exitCodeForVerdict, writeReport } from '../output.js';
import { createProgress, ofTotal, packetBytes, rate } from '../progress.js';
import { describeCause, environmentError, PacketError, usageError } from '../../core/errors.js';
import { refuseExisting, writeFileAtomic } from '../../core/atomic.js';
import { summarize, verdictLabel, type Report, type ReportSummary } from '../../core/result.js';
import { plural } from '../../core/plural.js';
import { renderHtml, renderMarkdown } from '../../report/index.js';
import { reportEnvelope, resultEnvelope, writeStreamedEnvelope, type JsonEnvelope } from '../../report/json.js';

export const verifyCommand: CommandSpec = {
  name: 'verify',
  usage: `usage: packet verify [options] PACKET...

Checks every entry and every covered file of PACKET (a .packet.tar or an unpacked folder),
every time-stamp and signature, and dual control, against the auditor's trust policy. Offline:
trust comes only from the policy, never from keys or certificates inside the packet.

A policy is required. --integrity-only checks the entries and files alone; its verdict reads
INTACT (integrity only: signatures and approvals not checked), never PASS.

Several packets, or a folder of packets (its *.tar files and unpacked packets), are verified
one after another: one report each, then a summary; with --format json one envelope whose
facts.reports lists the envelope of each packet (docs/json-output.md).

exit codes: 0 verified (or intact, with --integrity-only), 1 a check failed (or the
            --report FILE exists and --force was not given),
            2 usage error (no --policy and no --integrity-only), 3 environment error,
            4 valid so far but dual control not met
            (for several packets: the worst of them, 1 before 4 before 0)

options:
  --policy FILE       the auditor's trust policy (signers, roles, rule, trusted TSA roots)
  --integrity-only    no policy: check entries and files only (verdict INTACT, never PASS)
  --now RFC3339       evaluation time (default: now)
  --format FORMAT     text, json, markdown or html (default text)
  --report FILE       also write the auditor's one-page report to FILE: Markdown for .md,
                      a self-contained HTML page for .html (never over an existing file)
  --force             with --report: replace an existing FILE
  --quiet             no progress display
`,
  options: {
    policy: { type: 'string' },
    'integrity-only': { type: 'boolean' },
    now: { type: 'string' },
    format: { type: 'string' },
    report: { type: 'string' },
    force: { type: 'boolean' },
    quiet: { type: 'boolean' },
  },
  describe: ({ positionals }) => ({ command: 'verify', subject: positionals.join(' ') }),
  async run({ values, positionals, invocation }, io) {
    const format = choiceOption(values, 'format', ['text', 'json', 'markdown', 'html'] as const, 'text');
    if (positionals.length === 0) {
      throw usageError('BAD_ARGUMENTS', 'expected at least one PACKET', { hint: "run 'packet verify --help' for usage" });
    }
    const integrityOnly = policyChoice(values);
    const packets = await packetsAsNamed(io, positionals);
    const batch = packets.length > 1 || packets[0]?.path !== resolve(io.cwd, positionals[0] as string);
    const reportFile = stringOption(values, 'report');
    if (batch && (reportFile !== undefined || format === 'markdown' || format === 'html')) {
      throw usageError('BAD_ARGUMENTS', '--report and --format markdown|html take one packet', { hint: 'verify the packets one by one for auditor reports' });
    }
    const reportKind = reportFile === undefined ? undefined : auditorReportKind(reportFile);
    const force = booleanOption(values, 'force');
    if (force && reportFile === undefined) throw usageError('BAD_ARGUMENTS', '--force goes with --report FILE', { hint: "run 'packet verify --help' for usage" });
    // Refused before any work: a report there may be one an auditor already signed off on.
    if (reportFile !== undefined) await refuseExisting(resolve(io.cwd, reportFile), force, reportFile);
    const now = nowOption(io, values);
    const progress = createProgress(io, booleanOption(values, 'quiet'));
    const policyFile = pathOption(io, values, 'policy');
    // Loaded only when needed: the policy machinery (OpenPGP, ASN.1, schemas) is most of start-up time.
    const policy = policyFile === undefined ? undefined : await (await import('../../trust/index.js')).loadTrustPolicy(policyFile);
    const verifyOne = async (path: string, label: string): Promise<Report> => {
      // The total costs a stat (a folder packet: a walk), so it is found only when progress shows.
      const total = progress.live ? await packetBytes(path) : undefined;
      const started = io.now().getTime();
      let bytes = 0;
      const onProgress = (n: number): void => {
        bytes += n;
        progress.update(`packet: verifying ${label}${ofTotal(bytes, total)}, ${rate(bytes, started, io.now().getTime())}`);
      };
      // The auditor's report lists the evidence files; other outputs do not need the list.
      const listEvidence = reportFile !== undefined || format === 'markdown' || format === 'html';
      return (await verifyPacket(path, { now, ...(policy === undefined ? { integrityOnly } : { policy }), listEvidence, onProgress }).finally(() => progress.done())).report;
    };

    if (batch) return verifyBatch(io, packets, format === 'json' ? invocation : undefined, verifyOne);
    const { path } = packets[0] as NamedPacket;
    const report = await verifyOne(path, '');
    if (reportFile !== undefined && reportKind !== undefined) await writeAuditorReport(resolve(io.cwd, reportFile), reportKind, report, force);
    if (format === 'markdown') io.stdout.write(renderMarkdown(report));
    else if (format === 'html') io.stdout.write(renderHtml(report));
    else writeReport(io, report, format, { showPassed: true, head: invocation, facts: { path } });
    return exitCodeFor(report);
  },
};

/** A packet to verify: its path, and how the user named it (a folder operand's packets: DIR/NAME). */
interface NamedPacket {
  path: string;
  subject: string;
}

async function packetsAsNamed(io: CliIo, operands: string[]): Promise<NamedPacket[]> {
  const packets: NamedPacket[] = [];
  for (const operand of operands) {
    const named = resolve(io.cwd, operand);
    for (const path of await expandPacketArguments([named])) {
      packets.push({ path, subject: path === named ? operand : `${operand.replace(/\/+$/, '')}${path.slice(named.length)}` });
    }
  }
  return packets;
}

/**
 * Several packets, one after another: each report is printed as soon as it is made and then
 * dropped, so memory does not grow with the number of packets; then a summary (text) or the end
 * of the envelope (JSON: facts.reports, then facts.totals and the worst verdict). The exit code
 * is that of the worst verdict.
 */
async function verifyBatch(io: CliIo, packets: NamedPacket[], json: Invocation | undefined, verifyOne: (path: string, label: string) => Promise<Report>): Promise<number> {
  const tally = new BatchTally();
  const failedPaths: string[] = [];
  const checkCounts = summarize([]);
  const each = async function* (): AsyncGenerator<JsonEnvelope> {
    for (const [i, packet] of packets.entries()) {
      const report = await verifyOne(packet.path, `${i + 1}/${plural(packets.length, 'packet', 'packets')}, `);
      tally.add(report);
      for (const status of Object.keys(checkCounts) as (keyof ReportSummary)[]) checkCounts[status] += report.summary[status];
      if ((report.verdict === 'fail' || report.verdict === 'incomplete') && failedPaths.length < 100) failedPaths.push(`  ${report.verdict === 'fail' ? 'FAIL      ' : 'INCOMPLETE'}  ${packet.path}`);
      if (json === undefined) writeReport(io, report, 'text', { showPassed: false });
      yield reportEnvelope(report, { command: 'verify', subject: packet.subject }, { path: packet.path });
    }
  };
  if (json === undefined) {
    for await (const _envelope of each()) {
      // text: each report was printed as it was made
    }
    const summary = tally.result();
    io.stdout.write(renderSummary(summary, failedPaths));
    return exitCodeForVerdict(summary.verdict);
  }
  await writeStreamedEnvelope((text) => io.stdout.write(text), {
    head: resultEnvelope(json, json.evaluatedAt, {}),
    list: 'reports',
    items: each(),
    after: () => {
      const { verdict, ...counts } = tally.result();
      return { facts: { totals: counts }, verdict, checks: [], summary: checkCounts };
    },
  });
  return exitCodeForVerdict(tally.result().verdict);
}

function renderSummary(s: BatchSummary, failedPaths: string[]): string {
  const counts = [s.intact > 0 ? `${s.intact} intact` : `${s.verified} verified`, `${s.failed} failed`, `${s.incomplete} incomplete`];
  const lines = [`packet verify: ${plural(s.packets, 'packet', 'packets')}: ${counts.join(', ')}: ${verdictLabel(s.verdict)}`, ...failedPaths];
  if (s.failed + s.incomplete > failedPaths.length) lines.push(`  ... and ${s.failed + s.incomplete - failedPaths.length} more`);
  return `${lines.join('\n')}\n`;
}

/**
 * Whether this is an integrity-only run. A trust policy is required unless --integrity-only says
 * otherwise, so that a forgotten flag never turns into a PASS on an unsigned packet.
 */
function policyChoice(values: OptionValues): boolean {
  const integrityOnly = booleanOption(values, 'integrity-only');
  const policy = stringOption(values, 'policy');
  if (integrityOnly && policy !== undefined) {
    throw usageError('BAD_ARGUMENTS', '--integrity-only and --policy exclude each other', { hint: 'pass --policy FILE to verify signatures and dual control, or --integrity-only to check the files alone' });
  }
  if (!integrityOnly && policy === undefined) {
    throw usageError('MISSING_OPTION', 'a trust policy is required: pass --policy FILE', {
      hint: "pass --policy FILE with the auditor's trust policy, or --integrity-only to check entries and files alone (verdict INTACT, never PASS)",
    });
  }
  return integrityOnly;
}

type AuditorReportKind = 'markdown' | 'html';

/** The auditor report's format, from the file name (checked before any work is done). */
export function auditorReportKind(file: string): AuditorReportKind {
  const lower = file.toLowerCase();
  if (lower.endsWith('.md') || lower.endsWith('.markdown')) return 'markdown';
  if (lower.endsWith('.html') || lower.endsWith('.htm')) return 'html';
  throw usageError('BAD_REPORT_EXTENSION', `--report ${JSON.stringify(file)} must end in .md or .html`, { hint: 'name the file REPORT.md for Markdown or REPORT.html for HTML' });
}

async function writeAuditorReport(file: string, kind: AuditorReportKind, report: Report, force: boolean): Promise<void> {
  const text = kind === 'markdown' ? renderMarkdown(report) : renderHtml(report);
  try {
    await writeFileAtomic(file, text, 0o644, { replace: force });
  } catch (error) {
    if (error instanceof PacketError) throw error;
    throw environmentError('REPORT_UNWRITABLE', `cannot write the report ${JSON.stringify(file)}: ${describeCause(error)}`, { cause: error, hint: 'check that the folder exists and is writable' });
  }
}
