import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import picomatch from 'picomatch';
import { inputError, usageError } from '../core/errors.js';

/** More entries than this under the root is refused: a wrong root, not a repository. */
export const MAX_WALK_ENTRIES = 1_000_000;

/** A path relative to the root with `/` separators (NFC), as globs see it. */
export function toRel(root: string, path: string): string {
  return relative(root, path).split(sep).join('/').normalize('NFC');
}

export type GlobTest = (rel: string) => boolean;

export function globTest(globs: readonly string[]): GlobTest {
  if (globs.length === 0) return () => false;
  return picomatch(globs as string[], { dot: true });
}

/**
 * Every regular file under a folder, as paths relative to it, sorted. Hidden folders
 * (`.git`), `node_modules` and links to folders are not entered; a link to a file is kept only
 * when the file is inside the root.
 */
export function walkFiles(root: string, limit = MAX_WALK_ENTRIES): string[] {
  const files: string[] = [];
  // Each folder with its path relative to the root (as toRel gives it), built as the walk goes down.
  const pending: { dir: string; rel: string }[] = [{ dir: root, rel: '' }];
  let seen = 0;
  while (pending.length > 0) {
    const { dir, rel: dirRel } = pending.pop()!;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      if (dir === root) throw usageError('PATH_NOT_FOUND', `cannot read the folder ${root}`, { cause: error });
      continue;
    }
    for (const entry of entries) {
      seen += 1;
      if (seen > limit) throw inputError('TOO_MANY_FILES', `more than ${limit} entries under ${root}`, { hint: 'point packet validate at the repository root, and exclude generated folders' });
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const path = join(dir, entry.name);
      const rel = dirRel === '' ? entry.name.normalize('NFC') : `${dirRel}/${entry.name.normalize('NFC')}`;
      if (entry.isDirectory()) pending.push({ dir: path, rel });
      else if (entry.isFile() || (entry.isSymbolicLink() && fileProblem(root, rel) === undefined)) files.push(rel);
    }
  }
  // Code-unit order, which is byte order for every path without characters beyond U+FFFF.
  return files.sort();
}

const realRoots = new Map<string, string>();

/**
 * Undefined when `rel` (under `root`) is a regular file whose real path stays inside the root;
 * else what is wrong. A link is followed only to a regular file inside the root: never out of
 * the repository. The root's real path is resolved once.
 */
export function fileProblem(root: string, rel: string): string | undefined {
  const path = join(root, rel);
  try {
    const info = lstatSync(path);
    if (!info.isSymbolicLink()) return info.isFile() ? undefined : 'is not a regular file';
    let realRoot = realRoots.get(root);
    if (realRoot === undefined) {
      realRoot = realpathSync(root);
      realRoots.set(root, realRoot);
    }
    const real = realpathSync(path);
    const inside = relative(realRoot, real);
    if (inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) return 'is a link that leaves the repository';
    return statSync(real).isFile() ? undefined : 'is not a regular file';
  } catch {
    return 'does not exist';
  }
}

export function hasExtension(name: string, extensions: readonly string[]): boolean {
  return extensions.some((extension) => name.endsWith(extension));
}
