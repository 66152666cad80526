import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { inputError, usageError } from '../core/errors.js';
import { checkPacketPath, compareByBytes, CONTROL_CHARACTERS, DEFAULT_LIMITS, PAYLOAD_DIR } from './format.js';

/** One file to pack: where it is on disk and where it lands in the packet. */
export interface InputFile {
  source: string;
  /** `payload/...`, NFC, `/`-separated. */
  path: string;
  size: number;
}

export interface CollectOptions {
  followSymlinks?: boolean;
  /** The output path; an error if it lies inside an input. */
  out?: string;
  cwd: string;
}

/**
 * Expand INPUT files and folders into the sorted list of payload files. A file lands at
 * `payload/<name>`, a folder keeps its own name as the top. Refuses anything that would make the
 * packet ambiguous or unsafe: links (unless followed and inside their input), special files,
 * control characters in names, names equal after NFC, the output inside an input.
 */
export async function collectInputs(inputs: readonly string[], options: CollectOptions): Promise<InputFile[]> {
  if (inputs.length === 0) {
    throw usageError('NO_INPUTS', 'no inputs given', { hint: 'name the files and folders to pack: packet build --out x.packet.tar DIR...' });
  }
  const files: InputFile[] = [];
  const outAbsolute = options.out === undefined ? undefined : resolve(options.cwd, options.out);
  for (const input of inputs) {
    if (input.trim() === '') throw usageError('INPUT_EMPTY_NAME', 'an input is an empty string', { hint: 'check the variables in the command line' });
    const absolute = resolve(options.cwd, input);
    const info = await lstat(absolute).catch((error: NodeJS.ErrnoException) => {
      throw inputError('INPUT_MISSING', `input ${input} cannot be read (${error.code ?? error.message})`, { cause: error });
    });
    const name = basename(absolute);
    if (name === '' || absolute === sep) throw usageError('INPUT_ROOT', `input ${input} has no name to use in the packet`);
    if (outAbsolute !== undefined && isInside(outAbsolute, absolute)) {
      throw usageError('OUTPUT_INSIDE_INPUT', `the output ${options.out} is inside the input ${input}`, {
        hint: 'write the packet somewhere outside the folders being packed',
      });
    }
    const root = await realpath(absolute).catch(() => absolute);
    await walk(absolute, `${PAYLOAD_DIR}/${checkName(name, input)}`, info, root, input, options, files);
  }
  return sortAndCheckUnique(files);
}

async function walk(
  absolute: string,
  packetPath: string,
  info: Awaited<ReturnType<typeof lstat>>,
  root: string,
  display: string,
  options: CollectOptions,
  files: InputFile[],
): Promise<void> {
  if (info.isSymbolicLink()) {
    if (options.followSymlinks !== true) {
      throw inputError('INPUT_SYMLINK', `${display} is a symbolic link`, {
        hint: 'pass --follow-symlinks to include what it points to (it must stay inside its input)',
      });
    }
    const target = await realpath(absolute).catch((error: NodeJS.ErrnoException) => {
      throw inputError('INPUT_SYMLINK_BROKEN', `${display} is a broken symbolic link (${error.code ?? error.message})`);
    });
    if (!isInside(target, root)) {
      throw inputError('INPUT_SYMLINK_OUTSIDE', `${display} points outside its input`, { hint: 'copy the file into the input instead' });
    }
    info = await stat(target);
    if (info.isDirectory()) {
      throw inputError('INPUT_SYMLINK_DIRECTORY', `${display} is a symbolic link to a folder; only links to files are followed`);
    }
  }
  if (info.isDirectory()) {
    const names = await readdir(absolute).catch((error: NodeJS.ErrnoException) => {
      throw inputError('INPUT_UNREADABLE', `folder ${display} cannot be read (${error.code ?? error.message})`, { cause: error });
    });
    for (const name of names) {
      const child = join(absolute, name);
      const childDisplay = join(display, name);
      const childInfo = await lstat(child);
      await walk(child, `${packetPath}/${checkName(name, childDisplay)}`, childInfo, root, childDisplay, options, files);
    }
    return;
  }
  if (!info.isFile()) {
    throw inputError('INPUT_SPECIAL_FILE', `${display} is not a regular file (device, socket or pipe)`);
  }
  const problem = checkPacketPath(packetPath, DEFAULT_LIMITS);
  if (problem !== undefined && problem !== 'PATH_NOT_NFC') {
    throw inputError('INPUT_BAD_PATH', `${display} cannot be packed: its packet path is not allowed (${problem})`);
  }
  files.push({ source: absolute, path: packetPath.normalize('NFC'), size: Number(info.size) });
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

function sortAndCheckUnique(files: InputFile[]): InputFile[] {
  files.sort((a, b) => compareByBytes(a.path, b.path));
  for (let i = 1; i < files.length; i += 1) {
    const previous = files[i - 1] as InputFile;
    const current = files[i] as InputFile;
    if (previous.path === current.path) {
      const sameName = previous.source.normalize('NFC') !== previous.source || current.source.normalize('NFC') !== current.source;
      throw inputError(
        sameName ? 'INPUT_NFC_COLLISION' : 'INPUT_DUPLICATE',
        sameName
          ? `${previous.source} and ${current.source} have the same name after Unicode NFC normalization`
          : `${previous.source} and ${current.source} would both land at ${current.path}`,
        { hint: 'rename one of them, or pack their parent folders instead' },
      );
    }
  }
  return files;
}

function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
