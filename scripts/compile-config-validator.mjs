#!/usr/bin/env node
// Compile the validate config's JSON Schema into a validator module at build time (Ajv
// standalone code), so `packet validate` does not compile the schema on every run.
// Output: dist/contracts/config/config-validator.cjs (loaded by src/contracts/config/load.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schema = JSON.parse(readFileSync(join(root, 'schemas/validate-config.schema.json'), 'utf8'));
// The same options as the run-time fallback in load.ts.
const ajv = new Ajv2020({ strict: false, allErrors: true, useDefaults: true, allowUnionTypes: true, code: { source: true } });
const validate = ajv.compile(schema);
const generate = standaloneCode.default ?? standaloneCode;
writeFileSync(join(root, 'dist/contracts/config/config-validator.cjs'), generate(ajv, validate));
