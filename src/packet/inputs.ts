import { lstatSync, readdirSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { inputError, usageError } from '../core/errors.js';
import { checkPacketPath, CONTROL_CHARACTERS, DEFAULT_LIMITS, PAYLOAD_DIR } from './format.js';

/** One file to pack: where it is on disk and where it lands in the packet. */
export interface InputFile {
  source: string;
  /** `payload/...`, NFC, `/`-separated. */
  path: string;
  /** Its size when walked, or -1 when the walk was told not to look (`sizes: false`). */
  size: number;
}

export interface CollectOptions {
  followSymlinks?: boolean;
  /** The output path; an error if it lies inside an input. */
  out?: string;
  cwd: string;
  /**
   * Look up each file's size as it is reached (default true). A build does not: its reader opens
   * each file without following links and takes the size from the open file.
   */
  sizes?: boolean;
}

/**
 * Expand INPUT files and folders into the sorted list of payload files. A file lands at
 * `payload/<name>`, a folder keeps its own name as the top. Refuses anything that would make the
 * packet ambiguous or unsafe: links (unless followed and inside their input), special files,
 * control characters in names, names equal after NFC, the output inside an input.
 * Holds every file in memory: a build streams `walkInputs` instead.
 */
export async function collectInputs(inputs: readonly string[], options: CollectOptions): Promise<InputFile[]> {
  const files: InputFile[] = [];
  for (const file of walkInputs(inputs, options)) files.push(file);
  return files;
}

/** How many files the inputs hold and their bytes (a second walk, for progress display). */
export async function countInputs(inputs: readonly string[], options: CollectOptions): Promise<{ files: number; bytes: number }> {
  const total = { files: 0, bytes: 0 };
  for (const file of walkInputs(inputs, options)) {
    total.files += 1;
    total.bytes += file.size;
  }
  return total;
}

/**
 * A name in a folder being walked, as small as it can be: a folder holds thousands of them until
 * it is walked, so the rest (where it is, what it is in detail) is looked up when it is reached.
 */
interface Node {
  /** The name on disk. */
  name: string;
  /** The name in the packet (NFC). */
  nfc: string;
  /** Sort key: the name, and `/` after a folder's, so that walking in key order gives byte order of whole paths. */
  key: string;
  kind: 'directory' | 'symlink' | 'file' | 'other';
  /** Given for the inputs themselves; looked up for the names inside them. */
  top?: { absolute: string; display: string; root: string; info: Stats };
}

interface Frame {
  nodes: Node[];
  next: number;
  /** The folder's packet path. */
  parent: string;
  absolute: string;
  display: string;
  /** The input's own folder, that followed links must stay inside. */
  root: string;
}

/**
 * The payload files in byte order of their packet paths, one at a time: memory grows with the
 * depth of the tree and the size of one folder, never with the number of files. Sorting each
 * folder's names, with a folder's name followed by `/`, gives the byte order of the whole paths,
 * because every path below a folder shares that prefix.
 */
export function* walkInputs(inputs: readonly string[], options: CollectOptions): Generator<InputFile> {
  if (inputs.length === 0) {
    throw usageError('NO_INPUTS', 'no inputs given', { hint: 'name the files and folders to pack: packet build --out x.packet.tar DIR...' });
  }
  const outAbsolute = options.out === undefined ? undefined : resolve(options.cwd, options.out);
  const tops: Node[] = [];
  for (const input of inputs) {
    if (input.trim() === '') throw usageError('INPUT_EMPTY_NAME', 'an input is an empty string', { hint: 'check the variables in the command line' });
    const absolute = resolve(options.cwd, input);
    let info: Stats;
    try {
      info = lstatSync(absolute);
    } catch (error) {
      throw inputError('INPUT_MISSING', `input ${input} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
    }
    const name = basename(absolute);
    if (name === '' || absolute === sep) throw usageError('INPUT_ROOT', `input ${input} has no name to use in the packet`);
    if (outAbsolute !== undefined && isInside(outAbsolute, absolute)) {
      throw usageError('OUTPUT_INSIDE_INPUT', `the output ${options.out} is inside the input ${input}`, {
        hint: 'write the packet somewhere outside the folders being packed',
      });
    }
    const root = realpathOr(absolute);
    const kind = info.isDirectory() ? 'directory' : info.isSymbolicLink() ? 'symlink' : info.isFile() ? 'file' : 'other';
    tops.push({ ...node(checkName(name, input), kind), top: { absolute, display: input, root, info } });
  }
  // An explicit stack rather than recursive generators: each file is yielded once, not passed
  // up through one generator per folder level.
  const stack: Frame[] = [{ nodes: sortUnique(tops, PAYLOAD_DIR, ''), next: 0, parent: PAYLOAD_DIR, absolute: '', display: '', root: '' }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    const current = frame.nodes[frame.next];
    if (current === undefined) {
      stack.pop();
      continue;
    }
    frame.nodes[frame.next] = undefined as unknown as Node; // let what was walked go
    frame.next += 1;
    const packetPath = `${frame.parent}/${current.nfc}`;
    // Names from a listing have no `/` and the folder's path is resolved: no join (and its normalizing) per file.
    const absolute = current.top?.absolute ?? `${frame.absolute}${frame.absolute.endsWith(sep) ? '' : sep}${current.name}`;
    const root = current.top?.root ?? frame.root;
    if (current.kind === 'file' && current.top === undefined && options.sizes === false) {
      // The common case, told apart first: the name as the user would write it is only needed for an error.
      yield fileAt(() => join(frame.display, current.name), absolute, undefined, packetPath);
      continue;
    }
    const display = current.top?.display ?? join(frame.display, current.name);
    if (current.kind === 'directory') {
      const nodes = sortUnique(children(absolute, display, packetPath), packetPath, absolute);
      stack.push({ nodes, next: 0, parent: packetPath, absolute, display, root });
      continue;
    }
    if (current.kind === 'symlink') {
      const link = followLink(absolute, display, root, options);
      yield fileAt(() => display, link.target, link.info, packetPath);
    } else {
      yield fileAt(() => display, absolute, current.top?.info ?? lstatFile(absolute, display), packetPath);
    }
  }
}

/** A path's real path (links resolved), or the path itself when it cannot be resolved. */
function realpathOr(absolute: string): string {
  try {
    return realpathSync(absolute);
  } catch {
    return absolute;
  }
}

function node(name: string, kind: Node['kind']): Node {
  const nfc = name.normalize('NFC');
  return { name, nfc, key: kind === 'directory' ? `${nfc}/` : nfc, kind };
}

/** A file reached in the walk: it must still be what its folder listed (not a folder or link now). */
function lstatFile(absolute: string, display: string): Stats {
  let info: Stats;
  try {
    info = lstatSync(absolute);
  } catch (error) {
    throw inputError('INPUT_UNREADABLE', `${display} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
  if (info.isDirectory() || info.isSymbolicLink()) throw inputError('FILE_CHANGED', `${display} changed while it was being packed`);
  return info;
}

/** What a link points to, if it may be followed: a file inside its input (its real path, without links). */
function followLink(absolute: string, display: string, root: string, options: CollectOptions): { target: string; info: Stats } {
  if (options.followSymlinks !== true) {
    throw inputError('INPUT_SYMLINK', `${display} is a symbolic link`, {
      hint: 'pass --follow-symlinks to include what it points to (it must stay inside its input)',
    });
  }
  let target: string;
  try {
    target = realpathSync(absolute);
  } catch (error) {
    throw inputError('INPUT_SYMLINK_BROKEN', `${display} is a broken symbolic link (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (!isInside(target, root)) {
    throw inputError('INPUT_SYMLINK_OUTSIDE', `${display} points outside its input`, { hint: 'copy the file into the input instead' });
  }
  const info = statSync(target);
  if (info.isDirectory()) {
    throw inputError('INPUT_SYMLINK_DIRECTORY', `${display} is a symbolic link to a folder; only links to files are followed`);
  }
  return { target, info };
}

/**
 * A folder's entries, with their types from the folder listing (no call per entry). Synchronous:
 * one folder at a time, and an asynchronous round trip per file to the thread pool cost more
 * than the call itself (50,000 files: seconds of idle waiting).
 */
function children(absolute: string, display: string, packetPath: string): Node[] {
  if (packetPath.split('/').length >= DEFAULT_LIMITS.maxDepth) {
    throw inputError('INPUT_BAD_PATH', `${display} cannot be packed: its folders nest deeper than ${DEFAULT_LIMITS.maxDepth} levels`);
  }
  let entries: Dirent[];
  try {
    entries = readdirSync(absolute, { withFileTypes: true });
  } catch (error) {
    throw inputError('INPUT_UNREADABLE', `folder ${display} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
  return entries.map((entry) => {
    const kind = entry.isDirectory() ? 'directory' : entry.isSymbolicLink() ? 'symlink' : entry.isFile() ? 'file' : 'other';
    return node(checkName(entry.name, join(display, entry.name)), kind);
  });
}

/** `info` undefined: a regular file by its folder's listing, not looked at yet. */
function fileAt(display: () => string, absolute: string, info: Stats | undefined, packetPath: string): InputFile {
  if (info !== undefined && !info.isFile()) {
    throw inputError('INPUT_SPECIAL_FILE', `${display()} is not a regular file (device, socket or pipe)`);
  }
  const problem = checkPacketPath(packetPath, DEFAULT_LIMITS);
  if (problem !== undefined && problem !== 'PATH_NOT_NFC') {
    throw inputError('INPUT_BAD_PATH', `${display()} cannot be packed: its packet path is not allowed (${problem})`);
  }
  return { source: absolute, path: packetPath, size: info === undefined ? -1 : Number(info.size) };
}

function checkName(name: string, display: string): string {
  if (CONTROL_CHARACTERS.test(name)) {
    throw inputError('INPUT_CONTROL_CHARACTER', `${JSON.stringify(display)} has a control character or newline in its name`, {
      hint: 'rename the file; such names cannot be listed safely in a manifest',
    });
  }
  if (name.includes('\ufffd') || name.includes('\\')) {
    throw inputError('INPUT_BAD_NAME', `${JSON.stringify(display)} has a name that is not portable (invalid UTF-8 or a backslash)`);
  }
  return name;
}

/** Siblings in key order; two that land on the same packet path are refused. */
function sortUnique(nodes: Node[], parent: string, folder: string): Node[] {
  nodes.sort(hasSurrogates(nodes) ? byUtf8Bytes : byCodeUnits);
  for (let i = 1; i < nodes.length; i += 1) {
    const previous = nodes[i - 1] as Node;
    const current = nodes[i] as Node;
    if (previous.nfc === current.nfc) {
      const first = previous.top?.absolute ?? join(folder, previous.name);
      const second = current.top?.absolute ?? join(folder, current.name);
      const sameName = first.normalize('NFC') !== first || second.normalize('NFC') !== second;
      throw inputError(
        sameName ? 'INPUT_NFC_COLLISION' : 'INPUT_DUPLICATE',
        sameName
          ? `${first} and ${second} have the same name after Unicode NFC normalization`
          : `${first} and ${second} would both land at ${parent}/${current.nfc}`,
        { hint: 'rename one of them, or pack their parent folders instead' },
      );
    }
  }
  return nodes;
}

/**
 * Without surrogates (characters beyond U+FFFF), comparing UTF-16 code units orders strings as
 * their UTF-8 bytes: both follow code point order. With them, compare the bytes themselves.
 */
function hasSurrogates(nodes: readonly Node[]): boolean {
  return nodes.some((node) => /[\ud800-\udfff]/.test(node.key));
}

function byCodeUnits(a: Node, b: Node): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function byUtf8Bytes(a: Node, b: Node): number {
  return Buffer.compare(Buffer.from(a.key, 'utf8'), Buffer.from(b.key, 'utf8'));
}

function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
