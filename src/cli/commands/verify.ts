import { resolve } from 'node:path';
import type { CliIo } from '../io.js';
import { verifyPacket } from '../../verify/verify.js';
import { booleanOption, choiceOption, pathOption, stringOption, nowOption, singlePacket, type CommandSpec } from '../command.js';
import { exitCodeFor, writeReport } from '../output.js';
import { createProgress, formatBytes, rate } from '../progress.js';
import { describeCause, environmentError, usageError } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/atomic.js';
import type { Report } from '../../core/result.js';
import { renderHtml, renderMarkdown } from '../../report/index.js';

export const verifyCommand: CommandSpec = {
  name: 'verify',
  usage: `usage: packet verify [options] PACKET

Checks every entry and every covered file of PACKET (a .packet.tar or an unpacked folder);
with --policy also every time-stamp and signature, and dual control. Offline: trust comes only
from the policy, never from keys or certificates inside the packet.

exit codes: 0 verified, 1 a check failed, 4 valid so far but dual control not met

options:
  --policy FILE       the auditor's trust policy (signers, roles, rule, trusted TSA roots)
  --now RFC3339       evaluation time (default: now)
  --format FORMAT     text, json, markdown or html (default text)
  --report FILE       also write the auditor's one-page report to FILE: Markdown for .md,
                      a self-contained HTML page for .html
  --quiet             no progress display
`,
  options: {
    policy: { type: 'string' },
    now: { type: 'string' },
    format: { type: 'string' },
    report: { type: 'string' },
    quiet: { type: 'boolean' },
  },
  async run({ values, positionals }, io) {
    const format = choiceOption(values, 'format', ['text', 'json', 'markdown', 'html'] as const, 'text');
    const packetPath = singlePacket(positionals, 'verify', io);
    const reportFile = stringOption(values, 'report');
    const reportKind = reportFile === undefined ? undefined : auditorReportKind(reportFile);
    const now = nowOption(io, values);
    const progress = createProgress(io, booleanOption(values, 'quiet'));
    const started = io.now().getTime();
    let bytes = 0;
    const policyFile = pathOption(io, values, 'policy');
    // Loaded only when needed: the policy machinery (OpenPGP, ASN.1, schemas) is most of start-up time.
    const policy = policyFile === undefined ? undefined : await (await import('../../trust/index.js')).loadTrustPolicy(policyFile);
    const { report } = await verifyPacket(packetPath, {
      now,
      ...(policy === undefined ? {} : { policy }),
      onProgress: (n) => {
        bytes += n;
        progress.update(`packet: verified ${formatBytes(bytes)} (${rate(bytes, started, io.now().getTime())})`);
      },
    }).finally(() => progress.done());
    if (reportFile !== undefined && reportKind !== undefined) await writeAuditorReport(resolve(io.cwd, reportFile), reportKind, report);
    if (format === 'markdown') io.stdout.write(renderMarkdown(report));
    else if (format === 'html') io.stdout.write(renderHtml(report));
    else writeReport(io, report, format, { showPassed: true });
    return exitCodeFor(report);
  },
};


type AuditorReportKind = 'markdown' | 'html';

/** The auditor report's format, from the file name (checked before any work is done). */
export function auditorReportKind(file: string): AuditorReportKind {
  const lower = file.toLowerCase();
  if (lower.endsWith('.md') || lower.endsWith('.markdown')) return 'markdown';
  if (lower.endsWith('.html') || lower.endsWith('.htm')) return 'html';
  throw usageError('BAD_REPORT_EXTENSION', `--report ${JSON.stringify(file)} must end in .md or .html`, { hint: 'name the file REPORT.md for Markdown or REPORT.html for HTML' });
}

async function writeAuditorReport(file: string, kind: AuditorReportKind, report: Report): Promise<void> {
  const text = kind === 'markdown' ? renderMarkdown(report) : renderHtml(report);
  try {
    await writeFileAtomic(file, text);
  } catch (error) {
    throw environmentError('REPORT_UNWRITABLE', `cannot write the report ${JSON.stringify(file)}: ${describeCause(error)}`, { cause: error, hint: 'check that the folder exists and is writable' });
  }
}
