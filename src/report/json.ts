import { PacketError } from '../core/errors.js';
import type { Check, Report, ReportSummary, Verdict } from '../core/result.js';

/**
 * The one JSON envelope of every `--format json` output, success or error
 * (docs/json-output.md, schemas/json-output.schema.json).
 */
export const JSON_OUTPUT_FORMAT = 'evidence-packet/output/v1';

export type JsonErrorKind = 'usage' | 'environment' | 'check' | 'internal';

export interface JsonError {
  /** usage (exit 2), environment (exit 3), check (exit 1: the input is bad), internal (exit 1: a bug). */
  kind: JsonErrorKind;
  /** Stable UPPER_SNAKE_CASE code. */
  code: string;
  message: string;
  hint?: string;
  file?: string;
  line?: number;
  column?: number;
}

/** What the envelope is about: the command as run (`verify`, `locker push`) and its subject as the user named it. */
export interface EnvelopeHead {
  command: string;
  subject: string;
}

export interface JsonEnvelope extends EnvelopeHead {
  format: typeof JSON_OUTPUT_FORMAT;
  /** The command's time (--now when given, else the clock), RFC 3339 UTC, whole seconds. */
  evaluatedAt: string;
  verdict?: Verdict;
  checks?: Check[];
  summary?: ReportSummary;
  /** Command-specific results (docs/json-output.md lists them per command). */
  facts?: Record<string, unknown>;
  error?: JsonError;
}

/** A report in the envelope; `head` replaces the report's own command and subject with those the user typed. */
export function reportEnvelope(report: Report, head?: EnvelopeHead, extraFacts: Record<string, unknown> = {}): JsonEnvelope {
  const facts = { ...extraFacts, ...report.facts };
  return {
    format: JSON_OUTPUT_FORMAT,
    command: head?.command ?? report.command,
    subject: head?.subject ?? report.subject,
    evaluatedAt: report.evaluatedAt,
    verdict: report.verdict,
    checks: report.checks,
    summary: report.summary,
    ...(Object.keys(facts).length === 0 ? {} : { facts }),
  };
}

/** The result of a command that makes or changes something (build, sign, attach, ...): facts, no verdict. */
export function resultEnvelope(head: EnvelopeHead, evaluatedAt: string, facts: Record<string, unknown>): JsonEnvelope {
  return { format: JSON_OUTPUT_FORMAT, command: head.command, subject: head.subject, evaluatedAt, facts };
}

export function errorEnvelope(head: EnvelopeHead, evaluatedAt: string, error: unknown): JsonEnvelope {
  return { format: JSON_OUTPUT_FORMAT, command: head.command, subject: head.subject, evaluatedAt, error: jsonError(error) };
}

/** Any thrown value as the envelope's `error`. Never carries a stack or a cause (they may quote secrets' surroundings). */
export function jsonError(error: unknown): JsonError {
  if (!(error instanceof PacketError)) {
    return { kind: 'internal', code: 'INTERNAL_ERROR', message: `internal error: ${error instanceof Error ? error.message : String(error)}`, hint: 'this is a bug in packet; set PACKET_DEBUG=1 for details and report it' };
  }
  return {
    kind: error.kind === 'input' ? 'check' : error.kind,
    code: error.code,
    message: error.message,
    ...(error.hint === undefined ? {} : { hint: error.hint }),
    ...(error.file === undefined ? {} : { file: error.file }),
    ...(error.line === undefined ? {} : { line: error.line }),
    ...(error.column === undefined ? {} : { column: error.column }),
  };
}

export function renderEnvelope(envelope: JsonEnvelope): string {
  return `${JSON.stringify(envelope, null, 2)}\n`;
}

/** A report as JSON: the envelope (`head` gives the command and subject as typed; else the report's own). */
export function renderJson(report: Report, head?: EnvelopeHead): string {
  return renderEnvelope(reportEnvelope(report, head));
}

/**
 * Thrown after a streamed envelope was closed with its `error` member: the error is on stdout
 * already, so the CLI only prints the human text and maps the exit code.
 */
export class EnvelopeWrittenError extends Error {
  constructor(readonly original: unknown) {
    super('error already written to the JSON envelope');
  }
}

export interface StreamedEnvelope {
  /** Members known before the list (its `facts` members come first inside facts). */
  head: JsonEnvelope;
  /** Name of the facts member written one item at a time (a packet may list a million files). */
  list: string;
  items: AsyncIterable<unknown>;
  /** Members known only after the list: `facts` members go after the list, the rest at the top level. */
  after?: () => Partial<JsonEnvelope>;
}

/**
 * Writes an envelope whose `facts[list]` is streamed, so memory stays flat. If the list fails
 * part-way, the text is still closed as one valid envelope, with `error`, and
 * EnvelopeWrittenError is thrown. The text equals JSON.stringify(envelope, null, 2).
 */
export async function writeStreamedEnvelope(write: (text: string) => void, streamed: StreamedEnvelope): Promise<void> {
  const { facts = {}, ...top } = streamed.head;
  write(`{\n${Object.entries(top).map(([k, v]) => `${member(k, v, '  ')},\n`).join('')}  "facts": {\n`);
  for (const [k, v] of Object.entries(facts)) write(`${member(k, v, '    ')},\n`);
  write(`    ${JSON.stringify(streamed.list)}: [`);
  let count = 0;
  try {
    for await (const item of streamed.items) {
      write(`${count === 0 ? '' : ','}\n${indent(JSON.stringify(item, null, 2), '      ')}`);
      count += 1;
    }
    const { facts: afterFacts = {}, ...afterTop } = streamed.after?.() ?? {};
    write(`${count === 0 ? '' : '\n    '}]`);
    for (const [k, v] of Object.entries(afterFacts)) write(`,\n${member(k, v, '    ')}`);
    write('\n  }');
    for (const [k, v] of Object.entries(afterTop)) write(`,\n${member(k, v, '  ')}`);
    write('\n}\n');
  } catch (error) {
    write(`${count === 0 ? '' : '\n    '}]\n  },\n${member('error', jsonError(error), '  ')}\n}\n`);
    throw new EnvelopeWrittenError(error);
  }
}

function member(key: string, value: unknown, pad: string): string {
  return `${pad}${JSON.stringify(key)}: ${indent(JSON.stringify(value, null, 2), pad).trimStart()}`;
}

function indent(text: string, pad: string): string {
  return text
    .split('\n')
    .map((line) => pad + line)
    .join('\n');
}
