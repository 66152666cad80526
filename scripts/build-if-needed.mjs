#!/usr/bin/env node
// Installed from a git checkout (pre-commit, `npm install github:...`), the package has its
// TypeScript sources and no dist/: compile them. Installed from a packed tarball it has dist/ and
// no sources: nothing to do. Runs as `postinstall`, not `prepare`, because `npm pack` prints a
// `prepare` banner on standard output, where pre-commit reads the tarball's name.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(root, 'src')) || !existsSync(join(root, 'tsconfig.json'))) process.exit(0);
if (existsSync(join(root, 'dist', 'cli', 'main.js')) && process.env.npm_lifecycle_event === 'postinstall' && process.env.INIT_CWD !== root) process.exit(0);
let tsc;
try {
  tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
} catch {
  process.stderr.write('packet: cannot build from the sources: the typescript package is not installed here\nhint: run npm ci in the checkout, then npm pack and install the packed tarball\n');
  process.exit(1);
}
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { stdio: ['ignore', 'inherit', 'inherit'] });
if (result.status !== 0) process.exit(result.status ?? 1);
const compiled = spawnSync(process.execPath, [join(root, 'scripts/compile-validators.mjs')], { stdio: ['ignore', 'inherit', 'inherit'] });
process.exit(compiled.status ?? 1);
