import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMAS_DIR, validateContracts } from '../../src/contracts/index.js';
import { makeTempDir } from '../helpers/cli.js';
import { CONTRACTS_DIR, NOW } from './helpers.js';

let temp: { path: string; cleanup(): void };
beforeAll(() => {
  temp = makeTempDir('packet-schema-');
});
afterAll(() => temp.cleanup());

const tenantText = readFileSync(join(CONTRACTS_DIR, 'globex/tenant.yaml'), 'utf8');

async function failures(name: string, text: string) {
  const dir = join(temp.path, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'tenant.yaml');
  writeFileSync(file, text);
  const report = await validateContracts([file], { now: NOW });
  return report.checks.filter((c) => c.status === 'fail' && c.id === 'schema');
}

describe('schema errors point at the source', () => {
  it('an unknown key is an error at the key, line and column', async () => {
    const text = tenantText.replace('isolation: namespace', 'isolation: namespace\nisolaton: typo');
    const [check, ...rest] = await failures('globex', text);
    expect(rest).toEqual([]);
    expect(check?.code).toBe('SCHEMA_ADDITIONAL_PROPERTIES');
    const line = text.split('\n').findIndex((l) => l.startsWith('isolaton')) + 1;
    expect(check?.location).toMatchObject({ line, column: 1, pointer: '/isolaton' });
  });

  it('a nested unknown key points inside the nested mapping', async () => {
    const text = tenantText.replace('    tls: false', '    tls: false\n    password-hint: x');
    const [check] = await failures('globex', text);
    expect(check?.code).toBe('SCHEMA_ADDITIONAL_PROPERTIES');
    expect(check?.location?.pointer).toBe('/endpoints/1/password-hint');
    expect(check?.location?.column).toBe(5);
  });

  it('a missing field, a bad port, a bad hostname, a bad duration and a bad DNS label are each reported', async () => {
    const text = tenantText
      .replace('id: globex', 'id: Globex_Corp')
      .replace('port: 6379', 'port: 70000')
      .replace('host: sandbox-db.globex.internal', 'host: "sandbox db!"')
      .replace('rpo: PT24H', 'rpo: 24 hours')
      .replace(/^isolation: namespace\n/m, '');
    const checks = await failures('globex', text);
    const byPointer = Object.fromEntries(checks.map((c) => [c.location?.pointer, c.code]));
    expect(byPointer['/id']).toBe('SCHEMA_PATTERN');
    expect(byPointer['/endpoints/1/port']).toBe('SCHEMA_MAXIMUM');
    expect(byPointer['/endpoints/0/host']).toBe('SCHEMA_FORMAT');
    expect(byPointer['/dr/rpo']).toBe('SCHEMA_PATTERN');
    expect(checks.find((c) => c.code === 'SCHEMA_REQUIRED')?.data).toMatchObject({ keyword: 'required' });
    for (const check of checks) expect(check.location?.line).toBeGreaterThan(0);
  });

  it('a wrong apiVersion is a schema error', async () => {
    const [check] = await failures('globex', tenantText.replace('evidence-packet/v1', 'evidence-packet/v2'));
    expect(check?.code).toBe('SCHEMA_CONST');
    expect(check?.location?.pointer).toBe('/apiVersion');
  });

  it('JSON contracts get line and column too', async () => {
    const file = join(CONTRACTS_DIR, 'acme/bindings/recommender-staging.json');
    const text = readFileSync(file, 'utf8').replace('"access": "read-only",\n      "secret"', '"access": "read-only",\n      "extra": 1,\n      "secret"');
    const dir = join(temp.path, 'json');
    mkdirSync(dir);
    writeFileSync(join(dir, 'b.json'), text);
    const report = await validateContracts([join(dir, 'b.json')], { now: NOW });
    const check = report.checks.find((c) => c.code === 'SCHEMA_ADDITIONAL_PROPERTIES');
    const line = text.split('\n').findIndex((l) => l.includes('"extra"')) + 1;
    expect(check?.location).toMatchObject({ line, column: 7 });
  });
});

describe('bundled schemas in the evidence-packet profile', () => {
  it('every bundled schema has the $id the profile names', () => {
    for (const name of ['common', 'tenant', 'binding', 'capacity', 'proposal']) {
      const schema = JSON.parse(readFileSync(join(SCHEMAS_DIR, `${name}.schema.json`), 'utf8')) as Record<string, unknown>;
      expect(schema.$id).toBe(`https://evidence-packet.dev/schemas/${name}.schema.json`);
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    }
  });

  it('a TrustPolicy is checked against its schema, at the unknown key', async () => {
    const policy = join(temp.path, 'policy.yaml');
    writeFileSync(policy, 'apiVersion: evidence-packet/v1\nkind: TrustPolicy\nsigners: []\nextra: 1\n');
    const bad = await validateContracts([policy], { now: NOW });
    expect(bad.checks.find((c) => c.status === 'fail' && c.code === 'SCHEMA_ADDITIONAL_PROPERTIES')).toMatchObject({ id: 'schema', location: { line: 4 } });
  });
});
