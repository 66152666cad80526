/**
 * The locker file: schema errors at file:line (column in the message) with exit 2, retention rules
 * per tenant and environment, and S3 credentials taken only from the environment or a profile
 * (missing = exit 3 naming what to set, before any network traffic).
 */
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseLockerConfig, retentionFor } from '../../src/locker/config.js';
import { indexKey, parseIndexKey, parseLedgerKey, ledgerKey } from '../../src/locker/layout.js';
import { makeTempDir, runBin, runCli } from '../helpers/cli.js';

const temp = makeTempDir('locker-config-');
afterAll(() => temp.cleanup());

const S3_LOCKER = `apiVersion: evidence-packet/v1
kind: Locker
backend: s3
s3:
  endpoint: http://127.0.0.1:9
  region: us-east-1
  bucket: evidence
  pathStyle: true
retention:
  default: { mode: GOVERNANCE, days: 30 }
  rules:
    - match: { tenant: acme, environment: prod }
      mode: COMPLIANCE
      days: 2555
    - match: { environment: prod }
      mode: COMPLIANCE
      days: 365
`;

describe('locker file', () => {
  it('an unknown field is a usage error (exit 2) at file:line, with the column', () => {
    const file = join(temp.path, 'unknown.yaml');
    writeFileSync(file, S3_LOCKER.replace('  pathStyle: true\n', '  pathStyle: true\n  secretAccessKey: nope\n'));
    const run = runBin(['locker', 'list', '--locker', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${file}:9: column 3: /s3: unknown field "secretAccessKey"`);
    expect(run.stderr).toMatch(/^hint: .*locker\.schema\.json/m);
    expect(run.stderr).not.toContain('nope');
  });

  it('points at a wrong value and at YAML syntax errors', () => {
    expect(() => parseLockerConfig(S3_LOCKER.replace('mode: GOVERNANCE', 'mode: FOREVER'), 'l.yaml', '/')).toThrow(/column \d+: \/retention\/default\/mode: must be one of "COMPLIANCE", "GOVERNANCE"/);
    try {
      parseLockerConfig(S3_LOCKER.replace('mode: GOVERNANCE', 'mode: FOREVER'), 'l.yaml', '/');
    } catch (error) {
      expect((error as { line?: number }).line).toBe(10);
    }
    expect(() => parseLockerConfig('backend: [s3\n', 'l.yaml', '/')).toThrow(/column/);
    expect(() => parseLockerConfig(S3_LOCKER.replace('backend: s3\n', 'backend: folder\n'), 'l.yaml', '/')).toThrow(/missing field "folder"/);
  });

  it('chooses retention by the first rule that matches tenant and environment', () => {
    const config = parseLockerConfig(S3_LOCKER, 'l.yaml', '/');
    expect(retentionFor(config, 'acme', 'prod')).toEqual({ mode: 'COMPLIANCE', days: 2555 });
    expect(retentionFor(config, 'globex', 'prod')).toEqual({ mode: 'COMPLIANCE', days: 365 });
    expect(retentionFor(config, 'acme', 'dev')).toEqual({ mode: 'GOVERNANCE', days: 30 });
    expect(retentionFor(config, undefined, undefined)).toEqual({ mode: 'GOVERNANCE', days: 30 });
  });

  it('a folder path is relative to the locker file', () => {
    const config = parseLockerConfig('apiVersion: evidence-packet/v1\nkind: Locker\nbackend: folder\nfolder: { path: store }\nretention: { default: { mode: GOVERNANCE, days: 1 } }\n', 'l.yaml', '/srv/lockers');
    expect(config.folder?.path).toBe('/srv/lockers/store');
  });

  it('missing S3 credentials are an environment error (exit 3) that says what to set', async () => {
    const file = join(temp.path, 's3.yaml');
    writeFileSync(file, S3_LOCKER);
    const run = await runCli(['locker', 'list', '--locker', file], { env: { PATH: process.env.PATH, HOME: temp.path } });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/no S3 credentials/);
    expect(run.stderr).toMatch(/hint: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY .*AWS_PROFILE/);
  });

  it('an unreachable store is an environment error (exit 3), and the secret is never printed', async () => {
    const file = join(temp.path, 's3-down.yaml');
    writeFileSync(file, S3_LOCKER);
    const secret = 'never-print-this-secret-0123456789';
    const run = await runCli(['locker', 'list', '--locker', file], { env: { PATH: process.env.PATH, HOME: temp.path, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: secret } });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/cannot reach/);
    expect(run.stdout + run.stderr).not.toContain(secret);
  });

  it('a store that accepts the connection and then says nothing is an environment error (exit 3) after the idle timeout, not a hang', async () => {
    // What a Ceph cluster with full disks does: it takes the request and never answers.
    const held = new Set<Socket>();
    const silent = createServer((socket) => {
      held.add(socket);
      socket.on('close', () => held.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      const file = join(temp.path, 's3-silent.yaml');
      writeFileSync(file, S3_LOCKER.replace('http://127.0.0.1:9', `http://127.0.0.1:${port}`).replace('  pathStyle: true\n', '  pathStyle: true\n  idleTimeoutSeconds: 1\n'));
      const started = Date.now();
      const run = await runCli(['locker', 'list', '--locker', file], { env: { PATH: process.env.PATH, HOME: temp.path, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'not-a-real-secret-0123456789' } });
      expect(run.code, run.stderr).toBe(3);
      expect(run.stderr).toMatch(/cannot reach .*timed out after 1000 ms of inactivity/);
      // Three attempts of one second each, with the SDK's backoff between them.
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  }, 60_000);

  it('timeouts are bounded in the schema', () => {
    expect(() => parseLockerConfig(S3_LOCKER.replace('  pathStyle: true\n', '  pathStyle: true\n  idleTimeoutSeconds: 0\n'), 'l.yaml', '/')).toThrow(/idleTimeoutSeconds: must be >= 1/);
    expect(parseLockerConfig(S3_LOCKER, 'l.yaml', '/').s3).toMatchObject({ connectTimeoutSeconds: 10, idleTimeoutSeconds: 120 });
  });

  it('usage errors are reported (exit 2) before the store is contacted or credentials are looked for', async () => {
    const file = join(temp.path, 's3-usage.yaml');
    writeFileSync(file, S3_LOCKER);
    const env = { PATH: process.env.PATH, HOME: temp.path };
    for (const args of [['hold', 'not-a-digest'], ['pull', 'c'.repeat(64)], ['retention', 'c'.repeat(64)], ['list', 'extra'], ['list', '--since', 'yesterday'], ['push'], ['frobnicate']]) {
      const run = await runCli(['locker', ...args, '--locker', file], { env });
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(2);
    }
  });

  it('a folder locker that cannot be opened is an environment error (exit 3)', async () => {
    const file = join(temp.path, 'a-file');
    writeFileSync(file, 'not a folder');
    const run = await runCli(['locker', 'list', '--folder', file]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/cannot open the locker/);
  });

  it('there is no command-line option for credentials', async () => {
    const run = await runCli(['locker', 'list', '--folder', temp.path, '--secret-access-key', 'x']);
    expect(run.code).toBe(2);
  });
});

describe('layout keys', () => {
  it('index keys carry tenant, creation time and digest, and parse back', () => {
    const digest = 'ab'.repeat(32);
    const key = indexKey('acme', new Date('2026-03-01T10:00:00Z'), digest);
    expect(key).toBe(`index/acme/20260301T100000Z-${digest}.json`);
    expect(parseIndexKey(key)).toEqual({ tenant: 'acme', created: new Date('2026-03-01T10:00:00Z'), digest });
    expect(parseIndexKey(indexKey(undefined, new Date('2026-03-01T10:00:00Z'), digest))?.tenant).toBeUndefined();
    for (const bad of [`index/ACME/20260301T100000Z-${digest}.json`, `index/acme/20261301T100000Z-${digest}.json`, `index/acme/x/20260301T100000Z-${digest}.json`, 'index/acme/20260301T100000Z-abc.json']) {
      expect(parseIndexKey(bad)).toBeUndefined();
    }
    expect(() => indexKey('../x', new Date(), digest)).toThrow();
  });

  it('reads back the time of every index key it makes, and refuses a time no calendar has', () => {
    const digest = 'cd'.repeat(32);
    // Whole seconds from year 0 to 9999, leap days included.
    for (let i = 0; i < 2000; i += 1) {
      const created = new Date(Math.floor(((i * 7919) % 2000) / 2000 * 315537897599) * 1000 - 62167219200000);
      expect(parseIndexKey(indexKey('acme', created, digest))?.created).toEqual(created);
    }
    for (const time of ['20250230T000000Z', '20250229T000000Z', '20250100T000000Z', '20250101T240000Z', '20250101T236000Z', '20250101T235960Z']) {
      expect(parseIndexKey(`index/acme/${time}-${digest}.json`)).toBeUndefined();
    }
    expect(parseIndexKey(`index/acme/20240229T235959Z-${digest}.json`)?.created).toEqual(new Date('2024-02-29T23:59:59Z'));
    expect(parseIndexKey(`index/acme/00990101T000000Z-${digest}.json`)?.created.getUTCFullYear()).toBe(99);
  });

  it('ledger keys sort in chain order', () => {
    expect(ledgerKey(7)).toBe('ledger/000000000007.json');
    expect(parseLedgerKey('ledger/000000000007.json')).toBe(7);
    expect(parseLedgerKey('ledger/000000000000.json')).toBeUndefined();
    expect(parseLedgerKey('ledger/7.json')).toBeUndefined();
    expect([ledgerKey(10), ledgerKey(9)].sort()).toEqual([ledgerKey(9), ledgerKey(10)]);
  });
});
