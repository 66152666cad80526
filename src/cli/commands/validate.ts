import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { booleanOption, choiceOption, nowOption, stringOption, type CommandSpec, type Invocation } from '../command.js';
import { exitCodeFor, writeReport, writeResult } from '../output.js';
import { ExitCode } from '../../core/exit-codes.js';
import {
  BUILTIN_RULES,
  chooseConfig,
  collectContractFiles,
  CONFIG_FILE_NAME,
  DOCUMENT_RULES,
  listProfiles,
  loadContractFile,
  proposalContentHash,
  validateWithConfig,
  type LoadedConfig,
} from '../../contracts/index.js';
import { renderGithub, renderSarif } from '../../report/index.js';
import type { CliIo } from '../io.js';

const FORMATS = ['text', 'json', 'github', 'sarif'] as const;

export const validateCommand: CommandSpec = {
  name: 'validate',
  usage: `usage: packet validate [PATH...] [--config FILE | --profile NAME] [--format text|json|github|sarif] [--now RFC3339] [--strict]
       packet validate --list-profiles
       packet validate --print-hash PROPOSAL_FILE...

Checks YAML and JSON contracts against their JSON Schemas and against each other. Which files are
documents, their kinds, schemas and rules come from a config: --config FILE, or --profile NAME (a
built-in config), or ${CONFIG_FILE_NAME} in the working folder, else the evidence-packet profile.
With a config or profile the whole repository is checked (PATHs narrow it); with the default
profile PATH defaults to contracts/. See docs/validate-config.md.

options:
  --config FILE     the repository config (its folder is the repository root)
  --profile NAME    a built-in config, run from the repository root (see --list-profiles)
  --list-profiles   list the built-in profiles
  --format FORMAT   text (default), json, github (workflow annotations) or sarif (SARIF 2.1.0)
  --now RFC3339     evaluate at this time instead of now (for reproducible CI)
  --strict          warnings (for example warn-on-exceed capacity) fail too
  --print-hash      print the content hash of each proposal named, for approvals

exit codes: 0 all valid, 1 a contract is invalid, 2 usage error (unknown flag, missing path, invalid config)
`,
  options: {
    format: { type: 'string' },
    now: { type: 'string' },
    strict: { type: 'boolean' },
    'print-hash': { type: 'boolean' },
    config: { type: 'string' },
    profile: { type: 'string' },
    'list-profiles': { type: 'boolean' },
  },
  describe: ({ positionals }) => ({ command: 'validate', subject: positionals.join(' ') }),
  async run({ values, positionals, invocation }, io) {
    const format = choiceOption(values, 'format', FORMATS, 'text');
    if (booleanOption(values, 'list-profiles')) {
      if (format === 'json') writeResult(io, invocation, { profiles: listProfiles() });
      else io.stdout.write(listProfiles().map((name) => `${name}\n`).join(''));
      return ExitCode.OK;
    }
    const now = nowOption(io, values);
    const config = stringOption(values, 'config');
    const profile = stringOption(values, 'profile');
    const implicit = config === undefined && profile === undefined && !existsSync(join(io.cwd, CONFIG_FILE_NAME));
    const named = positionals.map((path) => resolveForDisplay(io, path));
    if (booleanOption(values, 'print-hash')) return printHashes(io, named.length === 0 ? ['contracts'] : named, format === 'json' ? invocation : undefined);
    const paths = named.length === 0 && implicit ? [resolveForDisplay(io, 'contracts')] : named;
    const loaded = chooseConfig({ cwd: io.cwd, ...(config === undefined ? {} : { config }), ...(profile === undefined ? {} : { profile }) });
    const report = await validateWithConfig(loaded, {
      now,
      strict: booleanOption(values, 'strict'),
      // The default profile on contracts/: a folder without contracts is a wrong path, not a failed check.
      ...(implicit ? { emptyPathsHint: `point packet validate at the folder that holds the contracts, or give --config / --profile (${listProfiles().join(', ')})` } : {}),
      ...(paths.length === 0 ? { subject: loaded.root === io.cwd ? '.' : loaded.root } : { paths, subject: paths.join(' ') }),
    });
    if (format === 'github') io.stdout.write(renderGithub(report));
    else if (format === 'sarif') io.stdout.write(renderSarif(report, { ruleHelp: ruleHelp(loaded) }));
    else writeReport(io, report, format, { head: invocation });
    return exitCodeFor(report);
  },
};

/** Help text per check id for SARIF rules, from the config's rules. */
function ruleHelp(loaded: LoadedConfig): Record<string, string> {
  const help: Record<string, string> = {
    'document.parse': 'The file is readable UTF-8 YAML or JSON, one document, no duplicate keys, bounded size and aliases.',
    'document.kind': 'A kind of the validate config claims the document (by path, apiVersion or kind).',
    documents: 'At least one document matched a kind of the config.',
    schema: "The document matches its kind's JSON Schema.",
  };
  for (const rule of DOCUMENT_RULES) help[rule.id] = rule.summary;
  for (const rule of loaded.config.rules) {
    const text = rule.summary ?? (rule.builtin === undefined ? undefined : BUILTIN_RULES.get(rule.builtin)?.summary) ?? rule.message;
    if (text !== undefined && help[rule.id] === undefined) help[rule.id] = text;
  }
  return help;
}

/** Paths relative to the command's cwd, kept relative so reports name files as the user did. */
function resolveForDisplay(io: CliIo, path: string): string {
  return resolve(io.cwd, path) === resolve(path) ? path : resolve(io.cwd, path);
}

/** Proposal content hashes: text lines `HASH  FILE`, or with JSON facts.hashes and facts.problems. */
async function printHashes(io: CliIo, paths: string[], json: Invocation | undefined): Promise<number> {
  let code: number = ExitCode.OK;
  const hashes: { file: string; contentHash: string }[] = [];
  const problems: { file: string; message: string }[] = [];
  const problem = (file: string, message: string): void => {
    if (json === undefined) io.stderr.write(`packet: ${file}: ${message}\n`);
    problems.push({ file, message });
    code = ExitCode.CHECK_FAILED;
  };
  const named = new Set(paths.map((path) => resolve(path)));
  for (const file of await collectContractFiles(paths)) {
    const loaded = await loadContractFile(file);
    if (!loaded.ok) {
      problem(file, loaded.problem.message);
      continue;
    }
    const value = loaded.source.value as Record<string, unknown> | null;
    if (value === null || typeof value !== 'object' || value.kind !== 'Proposal') {
      // Other kinds in a folder are skipped; a file named on its own must be a proposal.
      if (named.has(resolve(file))) problem(file, 'not a Proposal; only proposals have a content hash');
      continue;
    }
    if (json === undefined) io.stdout.write(`${proposalContentHash(value)}  ${file}\n`);
    else hashes.push({ file, contentHash: proposalContentHash(value) });
  }
  if (json !== undefined) writeResult(io, json, { hashes, problems });
  return code;
}
