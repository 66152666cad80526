import type { Report, Verdict } from '../core/result.js';
import { ExitCode } from '../core/exit-codes.js';
import { renderEnvelope, renderText, reportEnvelope, resultEnvelope, type EnvelopeHead, type TextOptions } from '../report/index.js';
import type { CliIo } from './io.js';

export type ReportFormat = 'text' | 'json';

export interface ReportOutputOptions extends TextOptions {
  /** JSON: the command and subject as the user typed them (main.ts fills `invocation`). */
  head?: EnvelopeHead;
  /** JSON: facts the CLI adds to the report's own (the packet's absolute path). */
  facts?: Record<string, unknown>;
}

export function writeReport(io: CliIo, report: Report, format: ReportFormat, options: ReportOutputOptions = {}): void {
  const { head, facts, ...textOptions } = options;
  io.stdout.write(format === 'json' ? renderEnvelope(reportEnvelope(report, head, facts)) : renderText(report, textOptions));
}

/** The JSON result of a command that makes or changes something: the envelope with its facts. */
export function writeResult(io: CliIo, invocation: EnvelopeHead & { evaluatedAt: string }, facts: Record<string, unknown>): void {
  io.stdout.write(renderEnvelope(resultEnvelope(invocation, invocation.evaluatedAt, facts)));
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
