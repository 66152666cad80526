import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { inputError, usageError } from '../core/errors.js';

const CONTRACT_EXTENSIONS = ['.yaml', '.yml', '.json'];
/** More files than this under the given paths is refused (a wrong path, not a contracts folder). */
export const MAX_CONTRACT_FILES = 200_000;

/**
 * The contract files under the given paths, sorted: a file is taken as named; a folder is walked
 * for *.yaml, *.yml and *.json, skipping hidden entries and symbolic links to folders.
 * A path that does not exist is a usage error.
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
    if (info.isDirectory()) await walk(path, files);
    else files.add(path);
  }
  return [...files].sort();
}

async function walk(dir: string, files: Set<string>): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      await walk(path, files);
    } else if ((entry.isFile() || entry.isSymbolicLink()) && CONTRACT_EXTENSIONS.some((ext) => entry.name.endsWith(ext))) {
      if (entry.isSymbolicLink() && !(await stat(path).then((s) => s.isFile(), () => false))) continue;
      files.add(path);
      if (files.size > MAX_CONTRACT_FILES) {
        throw inputError('TOO_MANY_FILES', `more than ${MAX_CONTRACT_FILES} contract files under ${dir}`);
      }
    }
  }
}
