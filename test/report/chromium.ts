/**
 * Headless Debian chromium for the report tests: one fresh profile per run, no network
 * features, and the PDF page count read from the PDF bytes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_AVAILABLE = existsSync(CHROMIUM);
const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
/** Skip only outside CI when chromium is absent; in CI (.ci/run installs it) the tests must run. */
export const SKIP_BROWSER = !CHROMIUM_AVAILABLE && !inCi;

export function warnIfSkipped(what: string): void {
  if (SKIP_BROWSER) console.warn(`skipping ${what}: ${CHROMIUM} is not installed (apt-get install chromium)`);
}

export function requireChromium(): void {
  if (!CHROMIUM_AVAILABLE) throw new Error(`chromium is required in CI but ${CHROMIUM} is missing: .ci/run installs it`);
}

let profiles = 0;

export function runChromium(workDir: string, args: string[]): { stdout: string; stderr: string } {
  const profile = join(workDir, `profile-${process.pid}-${profiles++}`);
  mkdirSync(profile, { recursive: true });
  const result = spawnSync(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--hide-scrollbars',
      `--user-data-dir=${profile}`,
      ...args,
    ],
    { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.error !== undefined) throw result.error;
  expect(result.status, result.stderr).toBe(0);
  return { stdout: result.stdout, stderr: result.stderr };
}

/** Pages in a PDF: its page objects (`/Type /Page`, not `/Pages`). */
export function pdfPageCount(pdf: Buffer): number {
  return pdf.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g)?.length ?? 0;
}
