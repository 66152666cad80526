import type { CommandSpec } from '../command.js';
import { attachCommand } from './attach.js';
import { buildCommand } from './build.js';
import { demoCommand } from './demo.js';
import { inspectCommand } from './inspect.js';
import { signCommand } from './sign.js';
import { statusCommand } from './status.js';
import { timestampCommand } from './timestamp.js';
import { tsaCommand } from './tsa.js';
import { validateCommand } from './validate.js';
import { verifyCommand } from './verify.js';

/** Every subcommand of `packet`, in the order `packet --help` lists them. */
export const commands: CommandSpec[] = [
  validateCommand,
  buildCommand,
  signCommand,
  attachCommand,
  timestampCommand,
  statusCommand,
  verifyCommand,
  inspectCommand,
  tsaCommand,
  demoCommand,
];
