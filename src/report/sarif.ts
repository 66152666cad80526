import type { Check, Report, SourceLocation } from '../core/result.js';
import { toolVersion } from '../core/version.js';
import { visible } from './escape.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

export interface SarifOptions {
  /** Help text per check id (rule id), e.g. from the rule catalogue. */
  ruleHelp?: Record<string, string>;
  /** Base URI for relative file paths (SARIF originalUriBaseIds SRCROOT). */
  srcRoot?: string;
}

const LEVEL: Record<Check['status'], string> = { fail: 'error', warn: 'warning', info: 'note', pass: 'none', skip: 'none' };

/**
 * SARIF 2.1.0 log of a report: one run, one rule per check id (with help text), one result per
 * failing or warning check with a physicalLocation region. Accepted by GitHub code scanning.
 */
export function renderSarif(report: Report, options: SarifOptions = {}): string {
  const problems = report.checks.filter((check) => check.status === 'fail' || check.status === 'warn' || check.status === 'info');
  const ruleIds = [...new Set(report.checks.map((check) => check.id))].sort();
  const rules = ruleIds.map((id) => {
    const example = report.checks.find((check) => check.id === id)!;
    const help = options.ruleHelp?.[id] ?? example.hint ?? example.message;
    return {
      id,
      name: id.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase()),
      shortDescription: { text: visible(options.ruleHelp?.[id] ?? id) },
      help: { text: visible(help) },
    };
  });
  const results = problems.map((check) => ({
    ruleId: check.id,
    ruleIndex: ruleIds.indexOf(check.id),
    level: LEVEL[check.status],
    message: { text: visible(check.hint === undefined ? check.message : `${check.message} (hint: ${check.hint})`) },
    ...(check.location === undefined ? {} : { locations: [location(check.location, options)] }),
    ...(check.related === undefined || check.related.length === 0
      ? {}
      : { relatedLocations: check.related.map((related, index) => ({ id: index + 1, ...location(related, options) })) }),
    properties: { code: visible(check.code), ...(check.subject === undefined ? {} : { subject: visible(check.subject) }) },
  }));
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'packet', informationUri: 'https://evidence-packet.dev', version: toolVersion(), rules } },
        ...(options.srcRoot === undefined ? {} : { originalUriBaseIds: { SRCROOT: { uri: options.srcRoot } } }),
        invocations: [{ executionSuccessful: true, endTimeUtc: report.evaluatedAt }],
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}

function location(loc: SourceLocation, options: SarifOptions): Record<string, unknown> {
  const region: Record<string, number> = {};
  if (loc.line !== undefined) region.startLine = loc.line;
  if (loc.column !== undefined) region.startColumn = loc.column;
  if (loc.endLine !== undefined) region.endLine = loc.endLine;
  if (loc.endColumn !== undefined) region.endColumn = loc.endColumn;
  const artifactLocation: Record<string, string> = { uri: toUri(loc.file) };
  if (options.srcRoot !== undefined && !loc.file.startsWith('/')) artifactLocation.uriBaseId = 'SRCROOT';
  return {
    physicalLocation: { artifactLocation, ...(Object.keys(region).length === 0 ? {} : { region }) },
  };
}

/** A file path as a SARIF URI reference: forward slashes, percent-encoded segments. */
function toUri(file: string): string {
  const path = file.replace(/\\/g, '/');
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  return path.startsWith('/') ? `file://${encoded}` : encoded;
}
