/**
 * One `packet demo` run through the built binary into a temp folder, shared by a test file.
 * The demo starts its own TSA on 127.0.0.1 and makes throw-away keys; nothing leaves the machine.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, runBin, type CliRun } from '../helpers/cli.js';

export interface DemoRun {
  /** The temp folder holding `demo/` (the demo's output) and room for copies. */
  base: string;
  /** The folder the demo left its results in. */
  out: string;
  packet: string;
  policy: string;
  root: string;
  run: CliRun;
  cleanup(): void;
}

export function runDemoBin(): DemoRun {
  const temp = makeTempDir('life-cycle-');
  const out = join(temp.path, 'demo');
  // cwd is the temp folder so that the relative paths the demo prints are short and checkable.
  const run = runBin(['demo', '--out', 'demo'], { cwd: temp.path, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
  const packet = join(out, readdirSync(out).find((name) => name.endsWith('.packet.tar')) ?? 'missing.packet.tar');
  return { base: temp.path, out, packet, policy: join(out, 'policy.yaml'), root: join(out, 'tsa-root.pem'), run, cleanup: temp.cleanup };
}
