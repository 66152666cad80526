import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';

export const PROJECT_ROOT = resolve(import.meta.dirname, '../..');
export const SHARED_DIR = resolve(PROJECT_ROOT, '../shared');
export const BIN = join(PROJECT_ROOT, 'bin/packet.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  now?: Date;
  stdin?: string;
}

/** Run the CLI in-process (fast; for most tests). */
export async function runCli(argv: string[], options: RunOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const stdin = new PassThrough();
  stdin.end(options.stdin ?? '');
  const io: CliIo = {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdoutIsTTY: false,
    stderrIsTTY: false,
    stdin,
    env: options.env ?? { PATH: process.env.PATH, HOME: process.env.HOME },
    cwd: options.cwd ?? PROJECT_ROOT,
    now: () => options.now ?? new Date(),
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** Run the built binary in a child process (for exit codes, signals and real environments). */
export function runBin(argv: string[], options: RunOptions = {}): CliRun {
  const result = spawnSync(process.execPath, [BIN, ...argv], {
    cwd: options.cwd ?? PROJECT_ROOT,
    env: options.env ?? { PATH: process.env.PATH, HOME: process.env.HOME },
    input: options.stdin ?? '',
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A temporary folder removed after the test file finishes (call in beforeAll/afterAll or per test). */
export function makeTempDir(prefix = 'packet-test-'): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}
