import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, makeTempDir, runCli } from '../helpers/cli.js';
import * as api from '../../src/timestamp/index.js';
import { createTimeStampRequest, loadCertificates, parseTimeStamp, requestTimeStamp, startLocalTsa, verifyTimeStamp } from '../../src/timestamp/index.js';
import { HELLO } from './helpers.js';

/** The failure bit set in a rejection TimeStampResp, read with openssl as an independent parser. */
function opensslStatus(dir: string, response: Uint8Array): string {
  writeFileSync(join(dir, 'r.tsr'), response);
  return execFileSync('openssl', ['ts', '-reply', '-in', join(dir, 'r.tsr'), '-text'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

describe('local TSA', () => {
  let tsa: Awaited<ReturnType<typeof startLocalTsa>>;
  const temp = makeTempDir('packet-tsa-server-');
  beforeAll(async () => {
    tsa = await startLocalTsa();
  });
  afterAll(async () => {
    await tsa.close();
    temp.cleanup();
  });
  const post = async (body: Uint8Array, method = 'POST') => {
    const response = await fetch(tsa.url, { method, headers: { 'Content-Type': 'application/timestamp-query' }, ...(method === 'POST' ? { body } : {}) });
    return { status: response.status, type: response.headers.get('content-type'), body: new Uint8Array(await response.arrayBuffer()) };
  };

  it('listens on loopback only', () => {
    expect(tsa.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('answers with the nonce echoed, a fresh serial, accuracy, policy and the TSA certificate', async () => {
    const request = createTimeStampRequest(HELLO, { nonce: 123456789n });
    const first = await post(request.der);
    const second = await post(request.der);
    expect(first.type).toBe('application/timestamp-reply');
    const roots = loadCertificates(tsa.rootPem);
    const one = verifyTimeStamp(first.body, HELLO, [{ name: 'local', roots }], { nonce: 123456789n, policy: api.TIMESTAMP_OIDS.localTsaPolicy });
    const two = verifyTimeStamp(second.body, HELLO, [{ name: 'local', roots }]);
    expect(one.code).toBe('OK');
    expect(one.accuracyMs).toBe(1000);
    expect(one.serial).not.toBe(two.serial);
    expect(parseTimeStamp(first.body).certificates).toHaveLength(1);
  });

  // OpenSSL prints badRequest (bit 2) as "transaction not permitted or supported" (RFC 3161 sec. 2.4.2).
  it('rejects garbage with badRequest and SHA-1 with badAlg, as TimeStampResp statuses', async () => {
    const garbage = await post(new TextEncoder().encode('hello'));
    expect(garbage.status).toBe(200);
    expect(opensslStatus(temp.path, garbage.body)).toMatch(/Status: Rejected[\s\S]*transaction not permitted or supported/);
    writeFileSync(join(temp.path, 'd'), 'x');
    execFileSync('openssl', ['ts', '-query', '-data', join(temp.path, 'd'), '-sha1', '-out', join(temp.path, 'q1.tsq')]);
    const sha1 = await post(new Uint8Array(readFileSync(join(temp.path, 'q1.tsq'))));
    expect(opensslStatus(temp.path, sha1.body)).toMatch(/Status: Rejected[\s\S]*unrecognized or unsupported algorithm/);
    const oversized = await post(new Uint8Array(100 * 1024));
    expect(opensslStatus(temp.path, oversized.body)).toMatch(/transaction not permitted or supported/);
  });

  it('refuses methods other than POST', async () => {
    expect((await post(new Uint8Array(), 'GET')).status).toBe(405);
  });

  it('serves with a given key and certificate', async () => {
    const creds = api.createThrowawayTsaCredentials({ now: new Date(), commonName: 'Given TSA' });
    const given = await startLocalTsa({ key: creds.tsaKeyPem, cert: creds.tsaCertPem, chain: creds.rootCertPem });
    try {
      expect(given.rootPem).toBe(creds.rootCertPem);
      const response = await requestTimeStamp(given.url, HELLO, { timeoutMs: 5000, trusted: [{ name: 'given', roots: [creds.rootCertDer] }] });
      expect(parseTimeStamp(response).certificates).toHaveLength(2);
      expect(verifyTimeStamp(response, HELLO, [{ name: 'given', roots: [creds.rootCertDer] }]).tsa).toContain('Given TSA');
    } finally {
      await given.close();
    }
  });
});

describe('packet tsa serve', () => {
  it('usage errors exit 2', async () => {
    expect((await runCli(['tsa'])).code).toBe(2);
    expect((await runCli(['tsa', 'serve', '--port', 'x'])).code).toBe(2);
    expect((await runCli(['tsa', 'serve', '--key', 'k.pem'])).code).toBe(2);
    const help = await runCli(['tsa', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('packet tsa serve');
  });

  it('prints its URL and root, issues tokens openssl accepts, and stops cleanly on SIGTERM', async () => {
    const temp = makeTempDir('packet-tsa-cli-');
    try {
      const rootOut = join(temp.path, 'root.pem');
      const child = spawn(process.execPath, [BIN, 'tsa', 'serve', '--root-out', rootOut], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const match = /listening on (\S+)/.exec(stdout);
          if (match && stdout.includes('root certificate:')) resolve(match[1]!);
        });
        child.on('exit', (code) => reject(new Error(`exited early with ${code}`)));
      });
      expect(stdout).toContain(rootOut);
      const response = await requestTimeStamp(url, HELLO, { timeoutMs: 5000, caFile: rootOut });
      writeFileSync(join(temp.path, 'r.tsr'), response);
      writeFileSync(join(temp.path, 'hello.txt'), HELLO);
      const verified = execFileSync('openssl', ['ts', '-verify', '-data', join(temp.path, 'hello.txt'), '-in', join(temp.path, 'r.tsr'), '-CAfile', rootOut], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      expect(verified).toContain('Verification: OK');
      const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
    } finally {
      temp.cleanup();
    }
  }, 20_000);
});

describe('timestamp index', () => {
  it('exports the deliberate API', () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        'MAX_CHAIN_CANDIDATES',
        'MAX_RSA_BITS',
        'MAX_RSA_EXPONENT',
        'MAX_TIMESTAMP_BYTES',
        'MAX_TOKEN_CERTIFICATES',
        'TIMESTAMP_OIDS',
        'TimestampError',
        'buildCertificate',
        'createThrowawayTsaCredentials',
        'createTimeStampRequest',
        'loadCertificates',
        'loadPrivateKey',
        'parseTimeStamp',
        'parseTimeStampRequest',
        'rejectionResponse',
        'requestTimeStamp',
        'respondToTimeStampRequest',
        'startLocalTsa',
        'toPem',
        'verifyTimeStamp',
      ].sort(),
    );
  });
});
