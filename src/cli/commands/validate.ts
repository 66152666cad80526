import { usageError } from '../../core/errors.js';
import { resolve } from 'node:path';
import { booleanOption, choiceOption, stringOption, nowOption, type CommandSpec } from '../command.js';
import { exitCodeFor, writeReport } from '../output.js';
import { ExitCode } from '../../core/exit-codes.js';
import { collectContractFiles, loadContractFile, proposalContentHash, validateContracts, DOCUMENT_RULES, SEMANTIC_RULES } from '../../contracts/index.js';
import { renderGithub, renderSarif } from '../../report/index.js';
import type { CliIo } from '../io.js';

const FORMATS = ['text', 'json', 'github', 'sarif'] as const;

/** Help text per check id for SARIF rules. */
const RULE_HELP: Record<string, string> = {
  'document.parse': 'The file is readable UTF-8 YAML or JSON, one document, no duplicate keys, bounded size and aliases.',
  'document.kind': 'The document is a mapping whose kind is a known contract kind.',
  schema: "The document matches its kind's JSON Schema (schemas/*.schema.json); unknown fields are errors.",
  ...Object.fromEntries([...DOCUMENT_RULES, ...SEMANTIC_RULES].map((rule) => [rule.id, rule.summary])),
};

export const validateCommand: CommandSpec = {
  name: 'validate',
  usage: `usage: packet validate [PATH...] [--format text|json|github|sarif] [--now RFC3339] [--strict]
       packet validate --print-hash PROPOSAL_FILE...

Checks YAML and JSON contracts (files, or folders walked for *.yaml, *.yml, *.json) against their
JSON Schemas and the semantic rules across documents. PATH defaults to contracts/.

options:
  --format FORMAT   text (default), json, github (workflow annotations) or sarif (SARIF 2.1.0)
  --now TIME        evaluate at this RFC 3339 time instead of now (for reproducible CI)
  --strict          warnings (for example warn-on-exceed capacity) fail too
  --print-hash      print the content hash of each proposal named, for approvals

exit codes: 0 all valid, 1 a contract is invalid, 2 usage error (unknown flag, missing path)
`,
  options: {
    format: { type: 'string' },
    now: { type: 'string' },
    strict: { type: 'boolean' },
    'print-hash': { type: 'boolean' },
  },
  async run({ values, positionals }, io) {
    const format = choiceOption(values, 'format', FORMATS, 'text');
    const now = nowOption(io, values);
    const paths = (positionals.length === 0 ? ['contracts'] : positionals).map((path) => resolveForDisplay(io, path));
    if (booleanOption(values, 'print-hash')) return printHashes(io, paths);
    if ((await collectContractFiles(paths)).length === 0) {
      throw usageError('NO_CONTRACTS', `no contract files (.yaml, .yml, .json) under ${paths.join(' ')}`, {
        hint: 'point packet validate at the folder that holds the contracts',
      });
    }
    const report = await validateContracts(paths, { now, strict: booleanOption(values, 'strict') });
    if (format === 'github') io.stdout.write(renderGithub(report));
    else if (format === 'sarif') io.stdout.write(renderSarif(report, { ruleHelp: RULE_HELP }));
    else writeReport(io, report, format);
    return exitCodeFor(report);
  },
};

/** Paths relative to the command's cwd, kept relative so reports name files as the user did. */
function resolveForDisplay(io: CliIo, path: string): string {
  return resolve(io.cwd, path) === resolve(path) ? path : resolve(io.cwd, path);
}

async function printHashes(io: CliIo, paths: string[]): Promise<number> {
  let code: number = ExitCode.OK;
  const named = new Set(paths.map((path) => resolve(path)));
  for (const file of await collectContractFiles(paths)) {
    const loaded = await loadContractFile(file);
    if (!loaded.ok) {
      io.stderr.write(`packet: ${file}: ${loaded.problem.message}\n`);
      code = ExitCode.CHECK_FAILED;
      continue;
    }
    const value = loaded.source.value as Record<string, unknown> | null;
    if (value === null || typeof value !== 'object' || value.kind !== 'Proposal') {
      // Other kinds in a folder are skipped; a file named on its own must be a proposal.
      if (named.has(resolve(file))) {
        io.stderr.write(`packet: ${file}: not a Proposal; only proposals have a content hash\n`);
        code = ExitCode.CHECK_FAILED;
      }
      continue;
    }
    io.stdout.write(`${proposalContentHash(value)}  ${file}\n`);
  }
  return code;
}
