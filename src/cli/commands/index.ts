import type { CommandSpec } from '../command.js';
import { tsaCommand } from './tsa.js';

/** Every subcommand of `packet`, in the order `packet --help` lists them. */
export const commands: CommandSpec[] = [tsaCommand];
