import type { CommandSpec } from '../command.js';
import { buildCommand } from './build.js';
import { inspectCommand } from './inspect.js';
import { verifyCommand } from './verify.js';

/** Every subcommand of `packet`, in the order `packet --help` lists them. */
export const commands: CommandSpec[] = [buildCommand, verifyCommand, inspectCommand];
