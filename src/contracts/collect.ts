import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { inputError, usageError } from '../core/errors.js';
import { hasExtension, walkFiles } from './repo-files.js';

const CONTRACT_EXTENSIONS = ['.yaml', '.yml', '.json'];
/** More files than this under the given paths is refused (a wrong path, not a contracts folder). */
export const MAX_CONTRACT_FILES = 200_000;

/**
 * The contract files under the given paths, sorted: a file is taken as named; a folder is walked
 * (repo-files' walk: hidden entries, node_modules and links out of the folder are skipped) for
 * *.yaml, *.yml and *.json. A path that does not exist is a usage error.
 */
export async function collectContractFiles(paths: readonly string[]): Promise<string[]> {
  const files = new Set<string>();
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch {
      throw usageError('PATH_NOT_FOUND', `path "${path}" does not exist`, { hint: 'name contract files or folders that exist' });
    }
    if (!info.isDirectory()) {
      files.add(path);
      continue;
    }
    for (const rel of walkFiles(path)) {
      if (!hasExtension(rel, CONTRACT_EXTENSIONS)) continue;
      files.add(join(path, rel));
      if (files.size > MAX_CONTRACT_FILES) throw inputError('TOO_MANY_FILES', `more than ${MAX_CONTRACT_FILES} contract files under ${path}`);
    }
  }
  return [...files].sort();
}
