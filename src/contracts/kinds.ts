import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { environmentError, describeCause } from '../core/errors.js';

/** Where the bundled JSON Schemas live: `<package>/schemas`, from both `src/contracts` and `dist/contracts`. */
export const SCHEMAS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../schemas');

export const SCHEMA_BASE = 'https://evidence-packet.dev/schemas/';

export interface KindDefinition {
  /** The document's `kind` value. */
  kind: string;
  /** Schema file name in the schemas folder; its `$id` must be SCHEMA_BASE + this name. */
  schemaFile: string;
  /** Present only when the schema may be missing (a kind that is being added): then the kind is unknown. */
  optional?: boolean;
}

/**
 * The kinds `packet validate` knows. Adding a kind is one line here plus its schema file;
 * kinds whose schema file is absent are treated as unknown.
 */
export const KINDS: readonly KindDefinition[] = [
  { kind: 'Tenant', schemaFile: 'tenant.schema.json' },
  { kind: 'Binding', schemaFile: 'binding.schema.json' },
  { kind: 'Capacity', schemaFile: 'capacity.schema.json' },
  { kind: 'Proposal', schemaFile: 'proposal.schema.json' },
  { kind: 'TrustPolicy', schemaFile: 'trust-policy.schema.json', optional: true },
];

export interface KindRegistry {
  /** The schema validator for a kind, or undefined when the kind is unknown. Compiled once, on first use. */
  validatorFor(kind: string): ValidateFunction | undefined;
  /** The kinds that have a schema. */
  knownKinds(): string[];
}

type AddFormats = (ajv: Ajv2020) => Ajv2020;
const addFormats = ((addFormatsPlugin as unknown as { default?: AddFormats }).default ?? addFormatsPlugin) as unknown as AddFormats;

/**
 * Build a registry over a schemas folder: every `*.schema.json` in it is added to one Ajv
 * instance (so `$ref`s between them resolve by `$id`), and each kind compiles lazily.
 */
export function createKindRegistry(schemasDir: string = SCHEMAS_DIR, kinds: readonly KindDefinition[] = KINDS): KindRegistry {
  const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: false });
  addFormats(ajv);
  let files: string[];
  try {
    files = readdirSync(schemasDir).filter((name) => name.endsWith('.schema.json')).sort();
  } catch (error) {
    throw environmentError('SCHEMAS_MISSING', `cannot read the schemas folder ${schemasDir}`, { cause: error });
  }
  for (const file of files) {
    try {
      ajv.addSchema(JSON.parse(readFileSync(join(schemasDir, file), 'utf8')) as object);
    } catch (error) {
      throw environmentError('SCHEMA_BROKEN', `schema ${file} cannot be loaded: ${describeCause(error)}`, { cause: error });
    }
  }
  const available = kinds.filter((definition) => files.includes(definition.schemaFile));
  const compiled = new Map<string, ValidateFunction>();
  return {
    validatorFor(kind) {
      const cached = compiled.get(kind);
      if (cached !== undefined) return cached;
      const definition = available.find((candidate) => candidate.kind === kind);
      if (definition === undefined) return undefined;
      const validate = ajv.getSchema(SCHEMA_BASE + definition.schemaFile);
      if (validate === undefined) {
        throw environmentError('SCHEMA_BROKEN', `schema ${definition.schemaFile} does not have $id ${SCHEMA_BASE}${definition.schemaFile}`);
      }
      compiled.set(kind, validate);
      return validate;
    },
    knownKinds: () => available.map((definition) => definition.kind),
  };
}

let defaultRegistry: KindRegistry | undefined;

/** The process-wide registry over the bundled schemas, built once. */
export function defaultKindRegistry(): KindRegistry {
  defaultRegistry ??= createKindRegistry();
  return defaultRegistry;
}
