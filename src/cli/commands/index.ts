import type { CommandSpec } from '../command.js';
import { validateCommand } from './validate.js';

/** Every subcommand of `packet`, in the order `packet --help` lists them. */
export const commands: CommandSpec[] = [validateCommand];
