import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configError, type LoadedConfig } from './config/load.js';
import { fileProblem, globTest } from './repo-files.js';

/** A data list larger than this is refused. */
export const MAX_DATA_BYTES = 4 * 1024 * 1024;

/**
 * The config's reference inputs, read once: a list file (one value per line, `#` comments, or a
 * YAML/JSON list), the names of the folders under a path, or literal values. A missing input is
 * a usage error at its config line.
 */
export function loadDataInputs(loaded: LoadedConfig, root: string): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const [name, spec] of Object.entries(loaded.config.data)) {
    const pointer = `/data/${name}`;
    if ('values' in spec) {
      result.set(name, spec.values);
    } else if ('list' in spec) {
      const problem = fileProblem(root, spec.list);
      if (problem !== undefined || spec.list.split('/').includes('..')) throw configError(loaded.source, `${pointer}/list`, 'CONFIG_DATA_MISSING', `data "${name}": the list file ${spec.list} ${problem ?? 'leaves the repository'}`);
      const text = readFileSync(join(root, spec.list), 'utf8').slice(0, MAX_DATA_BYTES);
      result.set(name, parseList(text));
    } else {
      if (spec.folders.split('/').includes('..')) throw configError(loaded.source, `${pointer}/folders`, 'CONFIG_DATA_MISSING', `data "${name}": ${spec.folders} leaves the repository`);
      let names: string[];
      try {
        names = readdirSync(join(root, spec.folders), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
      } catch {
        throw configError(loaded.source, `${pointer}/folders`, 'CONFIG_DATA_MISSING', `data "${name}": the folder ${spec.folders} cannot be read`, 'run from the repository root');
      }
      const exclude = globTest(spec.exclude ?? []);
      result.set(name, names.filter((entry) => !entry.startsWith('.') && !exclude(entry)).sort());
    }
  }
  return result;
}

function parseList(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    try {
      return stringsIn(JSON.parse(trimmed) as unknown);
    } catch {
      // not JSON: read it as lines
    }
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*$/, '').replace(/^\s*-\s+/, '').trim())
    .filter((line) => line !== '');
}

/** Every string in a JSON value (a list, or an object of lists at any depth), in order, once each. */
function stringsIn(value: unknown): string[] {
  const found = new Set<string>();
  const queue = [value];
  for (let next = 0; next < queue.length; next += 1) {
    const current = queue[next];
    if (typeof current === 'string') found.add(current);
    else if (Array.isArray(current)) for (const child of current) queue.push(child);
    else if (current !== null && typeof current === 'object') for (const child of Object.values(current)) queue.push(child);
  }
  return [...found];
}
