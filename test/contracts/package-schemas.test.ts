import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateContracts } from '../../src/contracts/index.js';
import { makeTempDir, PROJECT_ROOT } from '../helpers/cli.js';
import { contractsWithOverlay, NOW } from './helpers.js';

// The package's schemas are compiled at build time (scripts/compile-validators.mjs); only the
// built code (dist) has them. Run from the sources, every schema is compiled by Ajv at run time.
type Library = typeof import('../../src/contracts/index.js');
const compiled = (await import(join(PROJECT_ROOT, 'dist/contracts/index.js'))) as Library;
const precompiled = createRequire(import.meta.url)(join(PROJECT_ROOT, 'dist/contracts/package-schemas.cjs')) as Record<string, unknown>;
const PROFILE_SCHEMAS = ['common', 'tenant', 'binding', 'capacity', 'proposal', 'trust-policy'];
const TENANT = 'https://evidence-packet.dev/schemas/tenant.schema.json';

let temp: { path: string; cleanup(): void };
beforeAll(() => {
  temp = makeTempDir('packet-package-schemas-');
});
afterAll(() => temp.cleanup());

/** A SchemaSet of the built code, loaded with the profile's schemas (some maybe replaced) and extra files. */
function schemaSet(replace: Record<string, string> = {}, extra: string[] = []): InstanceType<Library['SchemaSet']> {
  const schemas = new compiled.SchemaSet('2020-12');
  for (const name of PROFILE_SCHEMAS) {
    const file = replace[name] ?? join(PROJECT_ROOT, 'schemas', `${name}.schema.json`);
    schemas.add(file, `package:schemas/${name}.schema.json`, 1 << 20);
  }
  for (const file of extra) schemas.add(file, file, 1 << 20);
  return schemas;
}

describe('precompiled package schemas', () => {
  it('are used when a run loads exactly the profile schemas, unchanged', () => {
    const schemas = schemaSet();
    expect(schemas.validator(schemas.find(TENANT)!)).toBe(precompiled[TENANT]);
  });

  it('are not used when one schema differs from the one compiled, and the changed schema is the one applied', () => {
    const changed = join(temp.path, 'common.schema.json');
    const common = JSON.parse(readFileSync(join(PROJECT_ROOT, 'schemas/common.schema.json'), 'utf8')) as { $defs: Record<string, Record<string, unknown>> };
    common.$defs.dnsLabel = { ...common.$defs.dnsLabel, maxLength: 3 };
    writeFileSync(changed, JSON.stringify(common));
    const schemas = schemaSet({ common: changed });
    const validate = schemas.validator(schemas.find(TENANT)!);
    expect(validate).not.toBe(precompiled[TENANT]);
    const tenant = { apiVersion: 'evidence-packet/v1', kind: 'Tenant', id: 'long-name' };
    validate(tenant);
    expect(validate.errors?.some((error) => error.instancePath === '/id' && error.keyword === 'maxLength')).toBe(true);
  });

  it('are not used when another 2020-12 schema is loaded too', () => {
    const other = join(temp.path, 'other.schema.json');
    writeFileSync(other, JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', $id: 'https://example.com/other.json', $ref: 'https://evidence-packet.dev/schemas/common.schema.json#/$defs/dnsLabel' }));
    const schemas = schemaSet({}, [other]);
    expect(schemas.validator(schemas.find(TENANT)!)).not.toBe(precompiled[TENANT]);
    // The other schema's $ref reaches a precompiled schema, which Ajv was given after all.
    const validate = schemas.validator(schemas.find('https://example.com/other.json')!);
    expect(validate('ok-name')).toBe(true);
    expect(validate('Not A Label')).toBe(false);
  });

  it('give the same report as the schemas compiled at run time, on invalid contracts', async () => {
    const contracts = contractsWithOverlay();
    try {
      const bad = (name: string, text: string) => writeFileSync(join(contracts.dir, name), text);
      bad('acme/bindings/extra.yaml', 'apiVersion: evidence-packet/v1\nkind: Binding\nid: Bad_Id\ntenant: acme\nenvironment: moon\nsurprise: 1\nconsumers: []\n');
      bad('acme/capacity-2.yaml', 'apiVersion: evidence-packet/v1\nkind: Capacity\ntenant: acme\nlimits: [{ provider: 7 }]\n');
      bad('globex/proposals/late.json', '{"apiVersion": "evidence-packet/v1", "kind": "Proposal", "id": "p", "created": "yesterday", "changes": "many"}\n');
      bad('trust.yaml', 'apiVersion: evidence-packet/v1\nkind: TrustPolicy\nsigners: 3\n');
      const fromBuild = JSON.parse(JSON.stringify(await compiled.validateContracts([contracts.dir], { now: NOW }))) as { checks: { id: string }[] };
      const fromSources = JSON.parse(JSON.stringify(await validateContracts([contracts.dir], { now: NOW }))) as { checks: { id: string }[] };
      expect(fromBuild.checks.filter((check) => check.id === 'schema' && (check as { status?: string }).status === 'fail').length).toBeGreaterThan(8);
      expect(fromBuild).toEqual(fromSources);
    } finally {
      contracts.cleanup();
    }
  });
});
