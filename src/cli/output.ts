import type { Report, Verdict } from '../core/result.js';
import { ExitCode } from '../core/exit-codes.js';
import { renderJson, renderText, type TextOptions } from '../report/index.js';
import type { CliIo } from './io.js';

export type ReportFormat = 'text' | 'json';

export function writeReport(io: CliIo, report: Report, format: ReportFormat, textOptions: TextOptions = {}): void {
  io.stdout.write(format === 'json' ? renderJson(report) : renderText(report, textOptions));
}

/** The exit-code contract: pass 0 (intact too: integrity-only was asked for), fail 1, incomplete 4. */
export function exitCodeFor(report: Report): number {
  return exitCodeForVerdict(report.verdict);
}

export function exitCodeForVerdict(verdict: Verdict): number {
  switch (verdict) {
    case 'pass':
    case 'intact':
      return ExitCode.OK;
    case 'incomplete':
      return ExitCode.INCOMPLETE;
    default:
      return ExitCode.CHECK_FAILED;
  }
}
