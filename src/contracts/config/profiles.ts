import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { usageError } from '../../core/errors.js';
import { SCHEMAS_DIR } from '../kinds.js';
import { CONFIG_FILE_NAME, loadConfigFile, type LoadedConfig } from './load.js';

/** Built-in profiles: named configs shipped with the tool, `profiles/<name>/packet.validate.yaml`. */
export const PROFILES_DIR = join(dirname(SCHEMAS_DIR), 'profiles');
/** The profile used when neither --config, --profile nor a packet.validate.yaml at the root is given. */
export const DEFAULT_PROFILE = 'evidence-packet';

export function listProfiles(): string[] {
  return readdirSync(PROFILES_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(PROFILES_DIR, entry.name, CONFIG_FILE_NAME)))
    .map((entry) => entry.name)
    .sort();
}

/** A built-in profile, its relative paths taken from `root` (the repository being checked). */
export function loadProfile(name: string, root: string): LoadedConfig {
  const names = listProfiles();
  if (!names.includes(name)) {
    throw usageError('UNKNOWN_PROFILE', `unknown profile "${name}"`, { hint: `profiles: ${names.join(', ')} (packet validate --list-profiles)` });
  }
  return loadConfigFile(join(PROFILES_DIR, name, CONFIG_FILE_NAME), root, `profile ${name} (${join(PROFILES_DIR, name, CONFIG_FILE_NAME)})`);
}

export interface ConfigChoice {
  config?: string;
  profile?: string;
  /** The folder a discovered packet.validate.yaml is looked for in (the repository root). */
  cwd: string;
}

/**
 * Which config a run uses: --config FILE (its folder is the root), else --profile NAME (the
 * working folder is the root), else packet.validate.yaml in the working folder, else the default
 * profile.
 */
export function chooseConfig(choice: ConfigChoice): LoadedConfig {
  if (choice.config !== undefined && choice.profile !== undefined) {
    throw usageError('CONFLICTING_OPTIONS', '--config and --profile cannot be used together', { hint: 'a profile is a built-in config: pass one or the other' });
  }
  if (choice.config !== undefined) {
    const file = resolve(choice.cwd, choice.config);
    if (!existsSync(file)) throw usageError('CONFIG_NOT_FOUND', `config ${choice.config} does not exist`, { hint: 'pass --config with the path of a packet.validate.yaml' });
    return loadConfigFile(file, dirname(file), choice.config);
  }
  if (choice.profile !== undefined) return loadProfile(choice.profile, choice.cwd);
  const discovered = join(choice.cwd, CONFIG_FILE_NAME);
  if (existsSync(discovered)) return loadConfigFile(discovered, choice.cwd, CONFIG_FILE_NAME);
  return loadProfile(DEFAULT_PROFILE, choice.cwd);
}
