import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, PROJECT_ROOT } from '../helpers/cli.js';

export const CONTRACTS_DIR = join(PROJECT_ROOT, 'contracts');
export const FIXTURES_DIR = join(PROJECT_ROOT, 'test/contracts/fixtures');
export const RULE_FIXTURES_DIR = join(FIXTURES_DIR, 'rules');
/** The evaluation time every fixture is written for. */
export const NOW = new Date('2026-11-23T12:00:00Z');

/** A temp copy of the bundled valid contracts, with a rule fixture's files laid over it. */
export function contractsWithOverlay(overlayDir?: string): { dir: string; cleanup(): void } {
  const temp = makeTempDir('packet-contracts-');
  const dir = join(temp.path, 'contracts');
  cpSync(CONTRACTS_DIR, dir, { recursive: true });
  if (overlayDir !== undefined) cpSync(overlayDir, dir, { recursive: true });
  return { dir, cleanup: temp.cleanup };
}

export function ruleFixtureNames(): string[] {
  return readdirSync(RULE_FIXTURES_DIR).sort();
}
