import { X509Certificate } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCertificates, parseTimeStamp, verifyTimeStamp, type TrustedTsa } from '../../src/timestamp/index.js';
import { HAVE_TSA_FIXTURES, HELLO, TSA_FIXTURES } from './helpers.js';

const read = (path: string): Uint8Array => new Uint8Array(readFileSync(join(TSA_FIXTURES, path)));
const trust = (name: string, path: string): TrustedTsa[] => [{ name, roots: loadCertificates(read(path)) }];
/** For tokens whose time-stamped data is not published, the imprint itself stands in for the data. */
const imprintOf = (token: Uint8Array) => ({ digest: new Uint8Array(parseTimeStamp(token).tstInfo.messageImprint.hashedMessage.buffer) });
const failed = (result: ReturnType<typeof verifyTimeStamp>) => result.checks.filter((c) => c.status === 'fail').map((c) => `${c.id}:${c.code}`);

describe.skipIf(!HAVE_TSA_FIXTURES)('real RFC 3161 tokens (../shared/fixtures/tsa-real; skipped when absent)', () => {
  it('globalsign bare token verifies with its root at genTime', () => {
    const token = read('globalsign/token.p7s');
    const result = verifyTimeStamp(token, imprintOf(token), trust('GlobalSign', 'globalsign/root.crt'));
    expect(failed(result)).toEqual([]);
    expect(result.code).toBe('OK');
    expect(result.genTime?.toISOString()).toBe('2021-09-17T14:09:10.000Z');
    expect(result.tsa).toContain('Globalsign TSA for Advanced - G4');
    expect(result.checks.find((c) => c.id === 'timestamp.ess-signing-certificate')?.message).toContain('v2');
  });

  it('identrust response verifies over "hello" (SHA-512) with ts_chain.pem (a DER file despite its name)', () => {
    const result = verifyTimeStamp(read('identrust/response.tsr'), HELLO, trust('IdenTrust', 'identrust/ts_chain.pem'));
    expect(failed(result)).toEqual([]);
    expect(result.hashAlgorithm).toBe('sha512');
  });

  it.each(['sha256', 'sha384', 'sha512'])('sigstage ECDSA response-%s verifies over "hello"', (hash) => {
    const result = verifyTimeStamp(read(`sigstage/response-${hash}.tsr`), HELLO, trust('sigstage', 'sigstage/ts_chain.pem'));
    expect(failed(result)).toEqual([]);
    expect(result.hashAlgorithm).toBe(hash);
  });

  it('sigstage response moved to other data fails IMPRINT_MISMATCH only', () => {
    const result = verifyTimeStamp(read('sigstage/response-sha256.tsr'), new TextEncoder().encode('hello\n'), trust('sigstage', 'sigstage/ts_chain.pem'));
    expect(failed(result)).toEqual(['timestamp.imprint:IMPRINT_MISMATCH']);
  });

  it('freetsa: the token carries its own root, which is never an anchor by itself', () => {
    const token = read('freetsa/token.p7s');
    const untrusted = verifyTimeStamp(token, imprintOf(token), trust('GlobalSign', 'globalsign/root.crt'));
    expect(failed(untrusted)).toEqual(['timestamp.chain:CHAIN_UNTRUSTED']);
    expect(untrusted.checks.find((c) => c.id === 'timestamp.ess-signing-certificate')?.message).toContain('v1');
  });

  it('freetsa: token and response verify when the auditor trusts the freetsa root (taken out of band, here from the token)', () => {
    const token = read('freetsa/token.p7s');
    const certificates = parseTimeStamp(token).certificates;
    // The self-signed certificate in the token is the freetsa root; trusting it is the test's choice.
    const root = certificates.filter((der) => new X509Certificate(der).subject.includes('OU=Root CA'));
    expect(root).toHaveLength(1);
    for (const file of ['freetsa/token.p7s', 'freetsa/response.tsr']) {
      const input = read(file);
      const result = verifyTimeStamp(input, imprintOf(input), [{ name: 'freetsa', roots: root }]);
      expect(failed(result), file).toEqual([]);
      expect(result.hashAlgorithm).toBe('sha512');
    }
  });

  it('microsoft: no root is published with it, so everything but the chain verifies; an intermediate the caller trusts anchors it', () => {
    const token = read('microsoft/token.p7s');
    const result = verifyTimeStamp(token, imprintOf(token), trust('GlobalSign', 'globalsign/root.crt'));
    expect(failed(result)).toEqual(['timestamp.chain:CHAIN_UNTRUSTED']);
    expect(result.accuracyMs).toBe(500);
    expect(result.genTime?.getUTCMilliseconds()).toBe(884);
    const parsed = parseTimeStamp(token);
    const intermediates = parsed.certificates.filter((der) => new X509Certificate(der).subject.includes('Timestamping CA 2020'));
    expect(intermediates).toHaveLength(1);
    const anchored = verifyTimeStamp(token, imprintOf(token), [{ name: 'Microsoft PCA', roots: intermediates }]);
    expect(failed(anchored)).toEqual([]);
    expect(anchored.trustedTsa).toBe('Microsoft PCA');
    const unchained = verifyTimeStamp(token, imprintOf(token), [], { requireTrustedChain: false });
    expect(unchained.ok).toBe(true);
    expect(unchained.checks.find((c) => c.id === 'timestamp.chain')?.status).toBe('skip');
  });

  // Each negative fixture is rejected, with the reason code of the step that catches it.
  const negatives: [string, string, string[]][] = [
    ['TimeStampTokenWithInvalidSignature.p7s', 'SIGNATURE_INVALID', ['timestamp.signature:SIGNATURE_INVALID']],
    ['TimeStampTokenWithInvalidSigningCertificateV2.p7s', 'SIGNATURE_INVALID', ['timestamp.signature:SIGNATURE_INVALID', 'timestamp.ess-signing-certificate:ESS_MALFORMED']],
    ['TimeStampTokenWithMismatchCertHash.p7s', 'SIGNATURE_INVALID', ['timestamp.signature:SIGNATURE_INVALID', 'timestamp.ess-signing-certificate:ESS_CERT_HASH_MISMATCH']],
    ['TimeStampTokenWithInvalidTSTInfo.p7s', 'TSTINFO_MALFORMED', ['timestamp.parse:TSTINFO_MALFORMED']],
    ['TimeStampTokenWithInvalideContentType.p7s', 'WRONG_CONTENT_TYPE', ['timestamp.parse:WRONG_CONTENT_TYPE']],
    ['TimeStampTokenWithoutCertificate.p7s', 'SIGNER_CERT_MISSING', ['timestamp.signer-certificate:SIGNER_CERT_MISSING']],
  ];
  it.each(negatives)('negative/%s is rejected with %s', (file, code, checks) => {
    const token = read(`negative/${file}`);
    const good = read('globalsign/token.p7s');
    const result = verifyTimeStamp(token, imprintOf(good), trust('GlobalSign', 'globalsign/root.crt'));
    expect(result.ok).toBe(false);
    expect(result.code).toBe(code);
    expect(failed(result)).toEqual(checks);
  });

  it('a real token without certificates verifies when the auditor supplies the TSA certificates (candidates, not anchors)', () => {
    const bare = read('negative/TimeStampTokenWithoutCertificate.p7s');
    expect(parseTimeStamp(bare).certificates).toEqual([]);
    // The certificates GlobalSign puts in its tokens, taken here from another token of the same TSA.
    const certificates = parseTimeStamp(read('globalsign/token.p7s')).certificates;
    const roots = loadCertificates(read('globalsign/root.crt'));
    const supplied = verifyTimeStamp(bare, imprintOf(bare), [{ name: 'GlobalSign', roots, certificates }]);
    expect(failed(supplied)).toEqual([]);
    // Supplied certificates are never anchors: with no root they do not make the chain trusted.
    const noRoot = verifyTimeStamp(bare, imprintOf(bare), [{ name: 'GlobalSign', roots: [], certificates }]);
    expect(failed(noRoot)).toEqual(['timestamp.chain:NO_TRUSTED_ROOTS']);
    const otherRoot = verifyTimeStamp(bare, imprintOf(bare), [{ name: 'sigstage', roots: loadCertificates(read('sigstage/ts_chain.pem')), certificates }]);
    expect(failed(otherRoot)).toEqual(['timestamp.chain:CHAIN_UNTRUSTED']);
  });

  it('negative/sigstage-response-invalid-signature.tsr is rejected with SIGNATURE_INVALID', () => {
    const result = verifyTimeStamp(read('negative/sigstage-response-invalid-signature.tsr'), HELLO, trust('sigstage', 'sigstage/ts_chain.pem'));
    expect(result.code).toBe('SIGNATURE_INVALID');
    expect(failed(result)).toEqual(['timestamp.signature:SIGNATURE_INVALID']);
  });

  it('covers every file in negative/', () => {
    expect(readdirSync(join(TSA_FIXTURES, 'negative')).sort()).toEqual([...negatives.map((n) => n[0]), 'sigstage-response-invalid-signature.tsr'].sort());
  });
});
