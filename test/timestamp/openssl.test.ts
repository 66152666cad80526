import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/cli.js';
import {
  createThrowawayTsaCredentials,
  createTimeStampRequest,
  loadCertificates,
  loadPrivateKey,
  parseTimeStamp,
  requestTimeStamp,
  respondToTimeStampRequest,
  startLocalTsa,
  verifyTimeStamp,
} from '../../src/timestamp/index.js';

const openssl = (dir: string, args: string[]): string => execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** A CA and a TSA certificate (EKU timeStamping, critical) made with `openssl req/x509`, plus a `ts` config. */
function makeOpensslTsa(dir: string, essAlg: 'sha1' | 'sha256', keyArgs: string[]): string {
  writeFileSync(join(dir, 'ext.cnf'), '[tsa]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n');
  openssl(dir, ['req', '-x509', '-newkey', ...keyArgs, '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=OpenSSL Test Root', '-days', '2',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  openssl(dir, ['req', '-new', '-newkey', ...keyArgs, '-nodes', '-keyout', 'tsa.key', '-out', 'tsa.csr', '-subj', '/CN=OpenSSL Test TSA']);
  openssl(dir, ['x509', '-req', '-in', 'tsa.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'ext.cnf', '-extensions', 'tsa', '-out', 'tsa.pem']);
  writeFileSync(join(dir, 'tsaserial'), '01\n');
  writeFileSync(
    join(dir, 'ts.cnf'),
    [
      '[ tsa ]',
      'default_tsa = tsa_config1',
      '[ tsa_config1 ]',
      `dir = ${dir}`,
      'serial = $dir/tsaserial',
      'crypto_device = builtin',
      'signer_cert = $dir/tsa.pem',
      'certs = $dir/ca.pem',
      'signer_key = $dir/tsa.key',
      'signer_digest = sha256',
      'default_policy = 1.2.3.4.1',
      'other_policies = 1.2.3.4.5',
      'digests = sha256, sha384, sha512',
      'accuracy = secs:1, millisecs:500, microsecs:100',
      'ordering = yes',
      'tsa_name = yes',
      `ess_cert_id_alg = ${essAlg}`,
      '',
    ].join('\n'),
  );
  return dir;
}

describe('OpenSSL as the reference TSA and verifier', () => {
  const temp = makeTempDir('packet-ts-openssl-');
  afterAll(() => temp.cleanup());
  const data = new TextEncoder().encode('-----BEGIN PGP SIGNATURE-----\nexample signature bytes\n');

  const variants: [string, 'sha1' | 'sha256', string[]][] = [
    ['ec-p256-ess-v2', 'sha256', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256']],
    ['ec-p384-ess-v1', 'sha1', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-384']],
    ['rsa-ess-v2', 'sha256', ['rsa:2048']],
  ];
  beforeAll(async () => {
    for (const [name, essAlg, keyArgs] of variants) {
      mkdirSync(join(temp.path, name));
      makeOpensslTsa(join(temp.path, name), essAlg, keyArgs);
    }
    // openssl x509 (3.0) cannot backdate notBefore; the verifier demands validity over
    // [genTime - accuracy, genTime + accuracy], so let the 1.5 s accuracy window pass first.
    await new Promise((resolve) => setTimeout(resolve, 2100));
  }, 30_000);

  it.each(variants)('openssl ts -reply (%s) is verified by verifyTimeStamp', (name, essAlg) => {
    const dir = join(temp.path, name);
    for (const hash of ['SHA-256', 'SHA-512'] as const) {
      const request = createTimeStampRequest(data, { hash });
      writeFileSync(join(dir, 'req.tsq'), request.der);
      openssl(dir, ['ts', '-reply', '-config', 'ts.cnf', '-queryfile', 'req.tsq', '-out', 'resp.tsr']);
      const response = new Uint8Array(readFileSync(join(dir, 'resp.tsr')));
      const roots = loadCertificates(readFileSync(join(dir, 'ca.pem')));
      const result = verifyTimeStamp(response, data, [{ name: 'openssl', roots }], { nonce: request.nonce, policy: '1.2.3.4.1' });
      expect(result.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id}:${c.code}`), `${name} ${hash}`).toEqual([]);
      expect(result.accuracyMs).toBe(1500.1);
      expect(result.checks.find((c) => c.id === 'timestamp.ess-signing-certificate')?.message).toContain(essAlg === 'sha1' ? 'v1' : 'v2');
      // Same token, other data: refused.
      expect(verifyTimeStamp(response, new Uint8Array([1]), [{ name: 'openssl', roots }]).code).toBe('IMPRINT_MISMATCH');
    }
  });

  it('an RSASSA-PSS token signed by openssl cms -sign (-cades adds signingCertificateV2) verifies', () => {
    const dir = join(temp.path, 'rsa-ess-v2');
    // The TSTInfo comes from our TSA codec; genTime is set after the openssl certificates' notBefore.
    const throwaway = createThrowawayTsaCredentials({ now: new Date() });
    const request = createTimeStampRequest(data);
    const issued = respondToTimeStampRequest(request.der, { key: loadPrivateKey(throwaway.tsaKeyPem), cert: throwaway.tsaCertDer }, { time: new Date(Date.now() + 5000), serial: Uint8Array.of(7) });
    writeFileSync(join(dir, 'tst.der'), parseTimeStamp(issued).tstInfoDer);
    openssl(dir, ['cms', '-sign', '-binary', '-in', 'tst.der', '-econtent_type', '1.2.840.113549.1.9.16.1.4', '-nodetach', '-outform', 'DER',
      '-signer', 'tsa.pem', '-inkey', 'tsa.key', '-md', 'sha256', '-keyopt', 'rsa_padding_mode:pss', '-cades', '-out', 'pss.der']);
    const token = new Uint8Array(readFileSync(join(dir, 'pss.der')));
    const roots = loadCertificates(readFileSync(join(dir, 'ca.pem')));
    const result = verifyTimeStamp(token, data, [{ name: 'openssl', roots }]);
    expect(result.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id}:${c.code}`)).toEqual([]);
    expect(result.checks.find((c) => c.id === 'timestamp.signature')?.message).toContain('1.2.840.113549.1.1.10');
    const tampered = new Uint8Array(token);
    tampered[tampered.length - 3]! ^= 0x40;
    expect(verifyTimeStamp(tampered, data, [{ name: 'openssl', roots }]).code).toBe('SIGNATURE_INVALID');
  });

  describe('our local TSA verified by openssl ts -verify', () => {
    let tsa: Awaited<ReturnType<typeof startLocalTsa>>;
    beforeAll(async () => {
      tsa = await startLocalTsa();
    });
    afterAll(async () => tsa.close());

    it('a token fetched over HTTP passes openssl ts -verify -data and -queryfile', async () => {
      const dir = temp.path;
      const response = await requestTimeStamp(tsa.url, data, { timeoutMs: 5000, trusted: [{ name: 'local', roots: loadCertificates(tsa.rootPem) }] });
      writeFileSync(join(dir, 'local.tsr'), response);
      writeFileSync(join(dir, 'local-root.pem'), tsa.rootPem);
      writeFileSync(join(dir, 'data.asc'), data);
      expect(openssl(dir, ['ts', '-verify', '-data', 'data.asc', '-in', 'local.tsr', '-CAfile', 'local-root.pem'])).toContain('Verification: OK');
      // Other data: openssl refuses too.
      writeFileSync(join(dir, 'other.asc'), 'other');
      expect(() => openssl(dir, ['ts', '-verify', '-data', 'other.asc', '-in', 'local.tsr', '-CAfile', 'local-root.pem'])).toThrow();
      const request = createTimeStampRequest(data, { hash: 'SHA-384' });
      writeFileSync(join(dir, 'local.tsq'), request.der);
      const viaFetch = await fetch(tsa.url, { method: 'POST', headers: { 'Content-Type': 'application/timestamp-query' }, body: request.der });
      writeFileSync(join(dir, 'local384.tsr'), new Uint8Array(await viaFetch.arrayBuffer()));
      expect(openssl(dir, ['ts', '-verify', '-queryfile', 'local.tsq', '-in', 'local384.tsr', '-CAfile', 'local-root.pem'])).toContain('Verification: OK');
    });

    it('openssl ts -query requests are answered', async () => {
      const dir = temp.path;
      writeFileSync(join(dir, 'q-data'), 'queried');
      openssl(dir, ['ts', '-query', '-data', 'q-data', '-sha512', '-cert', '-out', 'o.tsq']);
      const answer = await fetch(tsa.url, { method: 'POST', headers: { 'Content-Type': 'application/timestamp-query' }, body: readFileSync(join(dir, 'o.tsq')) });
      writeFileSync(join(dir, 'o.tsr'), new Uint8Array(await answer.arrayBuffer()));
      writeFileSync(join(dir, 'local-root.pem'), tsa.rootPem);
      expect(openssl(dir, ['ts', '-verify', '-queryfile', 'o.tsq', '-in', 'o.tsr', '-CAfile', 'local-root.pem'])).toContain('Verification: OK');
    });
  });
});
