#!/usr/bin/env node
// Compile, at build time, the validators that would otherwise be compiled on every run (Ajv
// standalone code):
// - the validate config's JSON Schema: dist/contracts/config/config-validator.cjs (loaded by
//   src/contracts/config/load.ts);
// - the locker file's JSON Schema: dist/locker/locker-validator.cjs (src/locker/config.ts);
// - the schemas the built-in profiles load from the package (`package:schemas/...`):
//   dist/contracts/package-schemas.cjs, one validator per schema key, with
//   dist/contracts/package-schemas.json, the SHA-256 of each schema file it was built from.
//   src/contracts/schema-set.ts uses them only when the run loads exactly these files.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { parse } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const generate = standaloneCode.default ?? standaloneCode;
const addFormats = addFormatsPlugin.default ?? addFormatsPlugin;

// The same options as the run-time fallback in load.ts.
const configAjv = new Ajv2020({ strict: false, allErrors: true, useDefaults: true, allowUnionTypes: true, code: { source: true } });
const configSchema = JSON.parse(readFileSync(join(root, 'schemas/validate-config.schema.json'), 'utf8'));
writeFileSync(join(root, 'dist/contracts/config/config-validator.cjs'), generate(configAjv, configAjv.compile(configSchema)));

// The locker file's JSON Schema: dist/locker/locker-validator.cjs (loaded by src/locker/config.ts),
// with the options of its run-time fallback there.
const lockerAjv = new Ajv2020({ strict: true, allErrors: true, code: { source: true } });
const lockerSchema = JSON.parse(readFileSync(join(root, 'schemas/locker.schema.json'), 'utf8'));
writeFileSync(join(root, 'dist/locker/locker-validator.cjs'), generate(lockerAjv, lockerAjv.compile(lockerSchema)));

// The package schemas named by the built-in profiles. Every one must be 2020-12: they are
// compiled together, with the options of SchemaSet's 2020-12 instance (src/contracts/schema-set.ts).
const rels = new Set();
for (const profile of readdirSync(join(root, 'profiles'))) {
  const config = parse(readFileSync(join(root, 'profiles', profile, 'packet.validate.yaml'), 'utf8'));
  for (const entry of config.schemas?.include ?? []) {
    const glob = entry.replace(/^\?/, '');
    if (!glob.startsWith('package:')) continue;
    if (/[*?[{]/.test(glob)) throw new Error(`profile ${profile}: precompiled package schemas are named one by one, not by a glob (${glob})`);
    rels.add(glob.slice('package:'.length));
  }
}
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true, allowUnionTypes: true, code: { source: true } });
addFormats(ajv);
const manifest = {};
for (const rel of [...rels].sort()) {
  const text = readFileSync(join(root, rel), 'utf8');
  const schema = JSON.parse(text);
  if (schema.$schema !== 'https://json-schema.org/draft/2020-12/schema') throw new Error(`${rel}: only 2020-12 package schemas are precompiled`);
  // The key SchemaSet gives it: its $id, or its path.
  const key = typeof schema.$id === 'string' && schema.$id !== '' ? schema.$id : `file:///package/${rel}`;
  ajv.addSchema(key === schema.$id ? schema : { ...schema, $id: key });
  manifest[key] = { rel, sha256: createHash('sha256').update(text).digest('hex') };
}
const exports = Object.fromEntries(Object.keys(manifest).map((key) => [key, key]));
for (const key of Object.keys(manifest)) ajv.getSchema(key);
writeFileSync(join(root, 'dist/contracts/package-schemas.cjs'), generate(ajv, exports));
writeFileSync(join(root, 'dist/contracts/package-schemas.json'), `${JSON.stringify({ schemas: manifest }, null, 2)}\n`);
