import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The tool's version, from package.json (recorded in packet.json and reports). */
export function toolVersion(): string {
  if (cached === undefined) {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    cached = pkg.version;
  }
  return cached;
}
