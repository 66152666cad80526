/**
 * RFC 5280 path validation and algorithm rules for TSA chains, tested differentially: each
 * generated hostile PKI is judged by verifyTimeStamp and by `openssl ts -verify -attime <genTime>
 * -auth_level 2` (VERIFY.md's options), and the verdicts must agree, except where the table names
 * a documented difference (openssl cannot judge it, or we refuse what we do not evaluate).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyUsageFlags } from '@peculiar/asn1-x509';
import { makeTempDir } from '../helpers/cli.js';
import { MAX_TOKEN_CERTIFICATES, parseTimeStamp, verifyTimeStamp, type TrustedTsa } from '../../src/timestamp/index.js';
import { TAG, encodeOid, tlv } from '../../src/timestamp/der.js';
import { DAY, issue, makeKey, tokenFor, type CertSpec, type Issued } from './pki.js';
import { HELLO, T0 } from './helpers.js';

const failed = (result: ReturnType<typeof verifyTimeStamp>) => result.checks.filter((c) => c.status === 'fail').map((c) => `${c.id}:${c.code}`);
const window = { notBefore: new Date(T0.getTime() - 10 * DAY), notAfter: new Date(T0.getTime() + 100 * DAY) };
const UNKNOWN_CRITICAL = { oid: '1.3.6.1.4.1.32473.9.9', critical: true, value: Uint8Array.of(0x05, 0x00) };

interface Pki {
  root: Issued;
  intermediate?: Issued;
  tsa: Issued;
}

/** root -> intermediate -> TSA, each level overridable; `intermediate: false` issues the TSA from the root. */
function pki(over: { root?: Partial<CertSpec>; intermediate?: Partial<CertSpec> | false; tsa?: Partial<CertSpec> } = {}): Pki {
  const root = issue({ cn: 'Hostile Test Root', ca: true, ...window, ...over.root });
  const intermediate = over.intermediate === false ? undefined : issue({ cn: 'Hostile Test Intermediate', ca: true, issuer: root, ...window, ...over.intermediate });
  const tsa = issue({ cn: 'Hostile Test TSA', issuer: intermediate ?? root, ...window, ...over.tsa });
  return { root, ...(intermediate === undefined ? {} : { intermediate }), tsa };
}

interface Case {
  name: string;
  make: () => { token: Uint8Array; pki: Pki; supplied?: Issued[] };
  code: string;
  /** openssl's verdict when it differs from ours, and why (documented in docs/timestamps.md). */
  openssl?: { ok: boolean; why: string };
}

const chainOf = (p: Pki): Issued[] => (p.intermediate === undefined ? [] : [p.intermediate]);
const standard = (p: Pki) => ({ token: tokenFor(HELLO, p.tsa, T0, { chain: chainOf(p) }), pki: p });

const cases: Case[] = [
  { name: 'a good root -> intermediate -> TSA chain', make: () => standard(pki()), code: 'OK' },
  { name: 'pathLenConstraint 0 on the issuing intermediate (allowed)', make: () => standard(pki({ intermediate: { pathLen: 0 } })), code: 'OK' },
  { name: "the root's pathLenConstraint 0 exceeded by an intermediate", make: () => standard(pki({ root: { pathLen: 0 } })), code: 'PATH_LENGTH_EXCEEDED' },
  { name: 'an unknown critical extension in the TSA certificate', make: () => standard(pki({ tsa: { extra: [UNKNOWN_CRITICAL] } })), code: 'CERT_UNKNOWN_CRITICAL_EXTENSION' },
  { name: 'an unknown critical extension in the intermediate', make: () => standard(pki({ intermediate: { extra: [UNKNOWN_CRITICAL] } })), code: 'CERT_UNKNOWN_CRITICAL_EXTENSION' },
  { name: 'an unknown critical extension in the root', make: () => standard(pki({ root: { extra: [UNKNOWN_CRITICAL] } })), code: 'CERT_UNKNOWN_CRITICAL_EXTENSION' },
  { name: 'an unknown non-critical extension (ignored)', make: () => standard(pki({ tsa: { extra: [{ ...UNKNOWN_CRITICAL, critical: false }] } })), code: 'OK' },
  { name: 'a TSA key usage without digitalSignature', make: () => standard(pki({ tsa: { keyUsage: KeyUsageFlags.keyEncipherment } })), code: 'TSA_KEY_USAGE' },
  { name: 'a TSA key usage of digitalSignature and keyEncipherment', make: () => standard(pki({ tsa: { keyUsage: KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment } })), code: 'TSA_KEY_USAGE' },
  { name: 'a TSA key usage of digitalSignature and nonRepudiation (allowed)', make: () => standard(pki({ tsa: { keyUsage: KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation } })), code: 'OK' },
  {
    name: 'a TSA key usage of nonRepudiation only',
    make: () => standard(pki({ tsa: { keyUsage: KeyUsageFlags.nonRepudiation } })),
    code: 'TSA_KEY_USAGE',
    openssl: { ok: true, why: 'the TSA key signs, so digitalSignature is required' },
  },
  { name: 'a TSA certificate without key usage (allowed)', make: () => standard(pki({ tsa: { keyUsage: null } })), code: 'OK' },
  { name: 'an intermediate whose key usage lacks keyCertSign', make: () => standard(pki({ intermediate: { keyUsage: KeyUsageFlags.cRLSign } })), code: 'ISSUER_KEY_USAGE' },
  { name: 'an intermediate that is not a CA', make: () => standard(pki({ intermediate: { ca: false, keyUsage: KeyUsageFlags.keyCertSign, eku: null } })), code: 'ISSUER_NOT_CA' },
  { name: 'name constraints the TSA violates', make: () => standard(pki({ intermediate: { permittedO: 'Allowed Org' }, tsa: { o: 'Other Org' } })), code: 'NAME_CONSTRAINTS_UNSUPPORTED' },
  {
    name: 'name constraints the TSA satisfies',
    make: () => standard(pki({ intermediate: { permittedO: 'Allowed Org' }, tsa: { o: 'Allowed Org' } })),
    code: 'NAME_CONSTRAINTS_UNSUPPORTED',
    openssl: { ok: true, why: 'name constraints are refused, not evaluated' },
  },
  { name: 'a TSA certificate signed with ecdsa-with-SHA1', make: () => standard(pki({ tsa: { hash: 'sha1' } })), code: 'CERT_WEAK_SIGNATURE_ALGORITHM' },
  { name: 'an intermediate signed with sha1WithRSAEncryption', make: () => standard(pki({ root: { key: 'rsa-2048' }, intermediate: { hash: 'sha1' } })), code: 'CERT_WEAK_SIGNATURE_ALGORITHM' },
  { name: 'an intermediate signed with md5WithRSAEncryption', make: () => standard(pki({ root: { key: 'rsa-2048' }, intermediate: { hash: 'md5' } })), code: 'CERT_WEAK_SIGNATURE_ALGORITHM' },
  { name: "a root's own SHA-1 self-signature (an anchor's signature is not judged)", make: () => standard(pki({ root: { key: 'rsa-2048', hash: 'sha1' } })), code: 'OK' },
  { name: 'an RSA-1024 intermediate', make: () => standard(pki({ intermediate: { key: 'rsa-1024' } })), code: 'WEAK_KEY' },
  { name: 'an RSA-1024 TSA key', make: () => standard(pki({ tsa: { key: 'rsa-1024' } })), code: 'WEAK_KEY' },
  { name: 'a TSA certificate expired at genTime', make: () => standard(pki({ tsa: { notAfter: new Date(T0.getTime() - DAY) } })), code: 'CERT_EXPIRED' },
  { name: 'a TSA certificate that expired after genTime', make: () => standard(pki({ tsa: { notAfter: new Date(T0.getTime() + 2 * DAY) } })), code: 'OK' },
  {
    name: 'a token without certificates, nothing supplied',
    make: () => {
      const p = pki();
      return { token: tokenFor(HELLO, p.tsa, T0, { certReq: false }), pki: p };
    },
    code: 'SIGNER_CERT_MISSING',
  },
  {
    name: 'a token without certificates, the auditor supplies the TSA certificate and intermediate',
    make: () => {
      const p = pki();
      return { token: tokenFor(HELLO, p.tsa, T0, { certReq: false }), pki: p, supplied: [p.tsa, ...chainOf(p)] };
    },
    code: 'OK',
  },
];

describe('TSA path validation, differentially against openssl ts -verify -attime -auth_level 2', () => {
  const temp = makeTempDir('packet-ts-path-');
  afterAll(() => temp.cleanup());
  writeFileSync(join(temp.path, 'data'), HELLO);

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const made = c.make();
    const trusted: TrustedTsa[] = [{ name: 'Hostile', roots: [made.pki.root.cert], certificates: (made.supplied ?? []).map((s) => s.cert) }];
    const result = verifyTimeStamp(made.token, HELLO, trusted);
    expect(result.code, JSON.stringify(failed(result))).toBe(c.code);
    if (c.code !== 'OK') expect(failed(result)[0]).toMatch(new RegExp(`:${c.code}$`));

    const dir = temp.path;
    writeFileSync(join(dir, 'token.tsr'), made.token);
    writeFileSync(join(dir, 'root.pem'), made.pki.root.pem);
    const args = ['ts', '-verify', '-data', 'data', '-in', 'token.tsr', '-CAfile', 'root.pem', '-attime', String(T0.getTime() / 1000), '-auth_level', '2'];
    if (made.supplied !== undefined) {
      writeFileSync(join(dir, 'untrusted.pem'), made.supplied.map((s) => s.pem).join(''));
      args.push('-untrusted', 'untrusted.pem');
    }
    const openssl = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    const opensslOk = openssl.status === 0 && /Verification: OK/.test(openssl.stdout);
    expect(opensslOk, `${openssl.stdout}${openssl.stderr}`).toBe(c.openssl?.ok ?? c.code === 'OK');
  });
});

describe('bounded work on hostile tokens', () => {
  const p = pki({ intermediate: false });
  const trusted: TrustedTsa[] = [{ name: 'Hostile', roots: [p.root.cert] }];

  it(`a token with more than ${MAX_TOKEN_CERTIFICATES} certificates is refused before any is parsed`, () => {
    const stuffing = Array.from({ length: MAX_TOKEN_CERTIFICATES }, () => p.tsa);
    const result = verifyTimeStamp(tokenFor(HELLO, p.tsa, T0, { chain: stuffing }), HELLO, trusted);
    expect(failed(result)).toEqual(['timestamp.parse:TOO_MANY_CERTIFICATES']);
  });

  it("look-alikes with the signer's issuer and serial do not hide the signer (chosen by the ESS hash)", () => {
    const genuine = tokenFor(HELLO, p.tsa, T0);
    const serial = parseTimeStamp(genuine).signer.serial!;
    // Same issuer and serial, other keys: only the ESS certificate hash tells them apart.
    const lookAlikes = Array.from({ length: MAX_TOKEN_CERTIFICATES - 1 }, () => issueWithSerial(p.root, serial));
    const stuffed = tokenFor(HELLO, p.tsa, T0, { chain: lookAlikes });
    expect(parseTimeStamp(stuffed).certificates).toHaveLength(MAX_TOKEN_CERTIFICATES);
    expect(failed(verifyTimeStamp(stuffed, HELLO, trusted))).toEqual([]);
  });

  it('an RSA signer certificate with a huge public exponent is refused before any signature is verified', () => {
    const pair = makeKeyWithExponent(2n ** 64n + 1n);
    const tsa = issue({ cn: 'Huge Exponent TSA', issuer: p.root, ...window }, pair);
    const result = verifyTimeStamp(tokenFor(HELLO, tsa, T0), HELLO, trusted);
    expect(failed(result)).toEqual(['timestamp.signer-certificate:CERT_KEY_OUT_OF_BOUNDS']);
  });

  it('a token whose genTime is after the given bound fails GENTIME_AFTER_EVALUATION_TIME, first', () => {
    const token = tokenFor(HELLO, p.tsa, T0);
    expect(verifyTimeStamp(token, HELLO, trusted, { notAfter: T0 }).code).toBe('OK');
    const result = verifyTimeStamp(token, HELLO, trusted, { notAfter: new Date(T0.getTime() - 1000) });
    expect(failed(result)).toEqual(['timestamp.time:GENTIME_AFTER_EVALUATION_TIME']);
  });
});

describe('weak algorithms in the CMS signature (tokens from openssl ts -reply)', () => {
  const temp = makeTempDir('packet-ts-weak-');
  afterAll(() => temp.cleanup());

  // openssl ts -reply stamps the real time, so this PKI is valid around it.
  const now = Date.now();
  const live = { notBefore: new Date(now - DAY), notAfter: new Date(now + DAY) };
  const root = issue({ cn: 'Weak CMS Root', ca: true, key: 'rsa-2048', ...live });
  const tsa = issue({ cn: 'Weak CMS TSA', issuer: root, key: 'rsa-2048', ...live });

  it.each(['sha1', 'md5'])('signer_digest %s fails CMS_WEAK_ALGORITHM; openssl ts -verify cannot judge it (VERIFY.md says so)', (digest) => {
    const dir = temp.path;
    writeFileSync(join(dir, 'tsa.pem'), tsa.pem);
    writeFileSync(join(dir, 'root.pem'), root.pem);
    writeFileSync(join(dir, 'tsa.key'), tsa.key.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'serial'), '01\n');
    writeFileSync(join(dir, 'data'), HELLO);
    const config = ['[ tsa ]', 'default_tsa = t', '[ t ]', `serial = ${dir}/serial`, `signer_cert = ${dir}/tsa.pem`, `signer_key = ${dir}/tsa.key`,
      `signer_digest = ${digest}`, 'default_policy = 1.2.3.4.1', 'digests = sha256', 'ess_cert_id_alg = sha256', ''].join('\n');
    writeFileSync(join(dir, 'ts.cnf'), config);
    execFileSync('openssl', ['ts', '-query', '-data', 'data', '-sha256', '-cert', '-out', 'req.tsq'], { cwd: dir });
    execFileSync('openssl', ['ts', '-reply', '-config', 'ts.cnf', '-queryfile', 'req.tsq', '-out', 'resp.tsr'], { cwd: dir, stdio: 'pipe' });
    const token = new Uint8Array(execFileSync('cat', ['resp.tsr'], { cwd: dir }));
    const result = verifyTimeStamp(token, HELLO, [{ name: 'Weak', roots: [root.cert] }]);
    expect(failed(result)[0]).toBe('timestamp.algorithms:CMS_WEAK_ALGORITHM');
    const genTime = Math.floor(result.genTime!.getTime() / 1000);
    const openssl = spawnSync('openssl', ['ts', '-verify', '-data', 'data', '-in', 'resp.tsr', '-CAfile', 'root.pem', '-attime', String(genTime), '-auth_level', '2'], { cwd: dir, encoding: 'utf8' });
    expect(openssl.stdout).toMatch(/Verification: OK/);
  });
});

function issueWithSerial(issuer: Issued, serial: Uint8Array): Issued {
  const made = issue({ cn: 'Hostile Test TSA', issuer, ...window });
  // Patch the serial in place: same length, so the DER stays valid (the signature breaks, which
  // does not matter for a look-alike: it must never be chosen).
  const cert = new Uint8Array(made.cert);
  const at = Buffer.from(cert).indexOf(Buffer.from([0x02, 12]));
  cert.set(serial.subarray(0, 12), at + 2);
  return { ...made, cert };
}

/** A key pair whose public half claims exponent `e` (node cannot generate one; the private half is unrelated). */
function makeKeyWithExponent(e: bigint): ReturnType<typeof makeKey> {
  const real = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const n = Buffer.from(real.publicKey.export({ format: 'jwk' }).n!, 'base64url');
  const integer = (bytes: Uint8Array): Uint8Array => tlv(TAG.INTEGER, (bytes[0]! & 0x80) !== 0 ? Uint8Array.of(0, ...bytes) : bytes);
  const eBytes = Buffer.from(e.toString(16).padStart(Math.ceil(e.toString(16).length / 2) * 2, '0'), 'hex');
  const rsaPublicKey = tlv(TAG.SEQUENCE, integer(n), integer(eBytes));
  const spki = tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, encodeOid('1.2.840.113549.1.1.1'), tlv(TAG.NULL)), tlv(TAG.BIT_STRING, Uint8Array.of(0), rsaPublicKey));
  const publicKey = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  return { publicKey, privateKey: real.privateKey };
}
