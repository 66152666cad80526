import type { ErrorObject, ValidateFunction } from 'ajv';
import { fail, type Check } from '../core/result.js';
import type { KindDocument } from './declared/select.js';
import type { LoadedSchema } from './schema-set.js';
import { locatePointer, type SourceDocument } from './source.js';

/** Most schema errors reported per document: a wrong file must not flood the report. */
export const MAX_SCHEMA_ERRORS_PER_DOCUMENT = 100;

/**
 * A document checked against its kind's schema: one check per error, at the offending node (the
 * key, for unknown properties). A schema that recurses without end is reported, not a crash.
 */
export function schemaChecks(doc: KindDocument, validate: ValidateFunction, schema: LoadedSchema): Check[] {
  let ok: boolean;
  try {
    ok = validate(doc.source.value) as boolean;
  } catch (error) {
    return [
      fail('schema', 'SCHEMA_UNEVALUABLE', `the schema ${schema.file} cannot be evaluated on this document (${error instanceof RangeError ? 'its $refs recurse without end' : 'internal error'})`, {
        subject: doc.source.file,
        location: { file: doc.source.file },
      }),
    ];
  }
  if (ok) return [];
  return (validate.errors ?? []).slice(0, MAX_SCHEMA_ERRORS_PER_DOCUMENT).map((error) => schemaCheck(doc.source, doc.kind, error));
}

/** One ajv error as a check located at the offending node. */
export function schemaCheck(source: SourceDocument, kind: string, error: ErrorObject): Check {
  const params = error.params as Record<string, unknown>;
  let key: string | undefined;
  let message = `${error.instancePath || '(document)'} ${error.message ?? 'is invalid'}`;
  let hint: string | undefined;
  if (error.keyword === 'additionalProperties') {
    key = String(params.additionalProperty);
    message = `unknown field "${key}" in ${kind}${error.instancePath === '' ? '' : ` at ${error.instancePath}`}`;
    hint = 'remove it or fix its spelling (unknown fields are errors)';
  } else if (error.keyword === 'required') {
    message = `missing required field "${String(params.missingProperty)}" in ${kind}${error.instancePath === '' ? '' : ` at ${error.instancePath}`}`;
  } else if (error.keyword === 'enum') {
    message = `${error.instancePath} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  } else if (error.keyword === 'const') {
    message = `${error.instancePath || '(document)'} must be ${JSON.stringify(params.allowedValue)}`;
  } else if (error.keyword === 'format') {
    message = `${error.instancePath} must be a valid ${String(params.format)}`;
  }
  const check = fail('schema', `SCHEMA_${error.keyword.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`, message, {
    location: locatePointer(source, error.instancePath, key),
    subject: source.file,
    data: { keyword: error.keyword, schemaPath: error.schemaPath, kind },
  });
  if (hint !== undefined) check.hint = hint;
  return check;
}
