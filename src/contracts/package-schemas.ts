import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv';

/**
 * The validators of the package's own schemas (those the built-in profiles load), compiled at
 * build time by scripts/compile-validators.mjs, with the SHA-256 of each schema file they were
 * compiled from. A run may use them only when it loads exactly those files: then they are the
 * validators Ajv would compile (same options, same schemas), without compiling anything.
 * Absent when running from the sources: everything is then compiled at run time.
 */
const HERE = dirname(fileURLToPath(import.meta.url));
const MANIFEST = join(HERE, 'package-schemas.json');
const MODULE = join(HERE, 'package-schemas.cjs');

interface Manifest {
  schemas: Record<string, { rel: string; sha256: string }>;
}

let manifest: Manifest | null | undefined;
let validators: Record<string, ValidateFunction> | undefined;

function loadManifest(): Manifest | null {
  if (manifest === undefined) manifest = existsSync(MANIFEST) && existsSync(MODULE) ? (JSON.parse(readFileSync(MANIFEST, 'utf8')) as Manifest) : null;
  return manifest;
}

export function schemaDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** True when a loaded 2020-12 schema is, byte for byte, one the package precompiled under this key. */
export function isPrecompiledSchema(key: string, digest: string): boolean {
  return loadManifest()?.schemas[key]?.sha256 === digest;
}

/**
 * The precompiled validator of a schema key, when the run's 2020-12 schemas (`loaded`: key to
 * digest) are exactly the precompiled ones, unchanged; otherwise undefined (Ajv compiles it).
 */
export function precompiledValidator(key: string, loaded: ReadonlyMap<string, string>): ValidateFunction | undefined {
  const known = loadManifest();
  if (known === null || known.schemas[key] === undefined) return undefined;
  if (loaded.size !== Object.keys(known.schemas).length) return undefined;
  for (const [name, { sha256 }] of Object.entries(known.schemas)) if (loaded.get(name) !== sha256) return undefined;
  validators ??= createRequire(import.meta.url)(MODULE) as Record<string, ValidateFunction>;
  return validators[key];
}
