import { describe, expect, it } from 'vitest';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { TIMESTAMP_OIDS, buildCertificate, parseTimeStamp, verifyTimeStamp, type TrustedTsa } from '../../src/timestamp/index.js';
import { HELLO, T0, makeRoot, makeTsa, stamp } from './helpers.js';

const DAY = 24 * 3600 * 1000;
const failed = (result: ReturnType<typeof verifyTimeStamp>) => result.checks.filter((c) => c.status === 'fail').map((c) => `${c.id}:${c.code}`);

describe('verifyTimeStamp with our own PKI', () => {
  const root = makeRoot('Example TSA Root');
  const tsa = makeTsa(root);
  const trusted: TrustedTsa[] = [{ name: 'Example', roots: [root.cert] }];

  it('accepts a valid response and reports the facts', () => {
    const result = verifyTimeStamp(stamp(HELLO, tsa), HELLO, trusted, { nonce: 42n, policy: TIMESTAMP_OIDS.localTsaPolicy });
    expect(failed(result)).toEqual([]);
    expect(result).toMatchObject({ ok: true, code: 'OK', accuracyMs: 1000, trustedTsa: 'Example', serial: '010203', nonce: 42n, hashAlgorithm: 'sha256' });
    expect(result.genTime?.toISOString()).toBe(T0.toISOString());
    expect(result.checks.map((c) => c.id)).toEqual([
      'timestamp.parse',
      'timestamp.imprint',
      'timestamp.nonce',
      'timestamp.policy',
      'timestamp.algorithms',
      'timestamp.signed-attributes',
      'timestamp.signer-certificate',
      'timestamp.signature',
      'timestamp.ess-signing-certificate',
      'timestamp.eku',
      'timestamp.tsa-certificate',
      'timestamp.chain',
      'timestamp.path',
      'timestamp.validity',
    ]);
  });

  it('accepts the bare token taken out of the response', () => {
    const token = parseTimeStamp(stamp(HELLO, tsa)).token;
    expect(verifyTimeStamp(token, HELLO, trusted).code).toBe('OK');
  });

  it('accepts RSA and P-384 TSA keys', () => {
    for (const curve of ['rsa', 'P-384'] as const) {
      expect(verifyTimeStamp(stamp(HELLO, makeTsa(root, { curve })), HELLO, trusted).code, curve).toBe('OK');
    }
  });

  it('a token moved to other data fails IMPRINT_MISMATCH', () => {
    const result = verifyTimeStamp(stamp(HELLO, tsa), new TextEncoder().encode('other signature bytes'), trusted);
    expect(failed(result)).toEqual(['timestamp.imprint:IMPRINT_MISMATCH']);
  });

  it('a nonce or policy other than requested fails', () => {
    expect(failed(verifyTimeStamp(stamp(HELLO, tsa), HELLO, trusted, { nonce: 7n }))).toEqual(['timestamp.nonce:NONCE_MISMATCH']);
    expect(failed(verifyTimeStamp(stamp(HELLO, tsa), HELLO, trusted, { policy: '1.2.3.4' }))).toEqual(['timestamp.policy:POLICY_MISMATCH']);
  });

  it('a TSA certificate from an untrusted root with the same subject name as the trusted root fails CHAIN_UNTRUSTED', () => {
    const impostor = makeRoot('Example TSA Root');
    const result = verifyTimeStamp(stamp(HELLO, makeTsa(impostor)), HELLO, trusted);
    expect(failed(result)).toEqual(['timestamp.chain:CHAIN_UNTRUSTED']);
  });

  it('an impostor root injected into the token certificate set is never an anchor', () => {
    const impostor = makeRoot('Example TSA Root');
    const forged = makeTsa(impostor);
    const result = verifyTimeStamp(stamp(HELLO, { ...forged, chain: [impostor.cert] }), HELLO, trusted);
    expect(failed(result)).toEqual(['timestamp.chain:CHAIN_UNTRUSTED']);
  });

  it('harmless extra certificates injected into a good token do not change the verdict', () => {
    const noise = makeRoot('Noise');
    expect(verifyTimeStamp(stamp(HELLO, { ...tsa, chain: [noise.cert, makeTsa(noise).cert] }), HELLO, trusted).code).toBe('OK');
  });

  it('a chain through an intermediate CA carried only in the token verifies', () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const window = { notBefore: new Date(T0.getTime() - 9 * DAY), notAfter: new Date(T0.getTime() + 200 * DAY) };
    const intermediate = buildCertificate({ commonName: 'Intermediate CA', publicKey: pair.publicKey, issuerCert: root.cert, issuerKey: root.key, ca: true, ...window });
    const leaf = makeTsa({ key: pair.privateKey, cert: intermediate });
    const result = verifyTimeStamp(stamp(HELLO, { ...leaf, chain: [intermediate] }), HELLO, trusted);
    expect(failed(result)).toEqual([]);
    expect(result.checks.find((c) => c.id === 'timestamp.chain')?.message).toContain('chain of 3');
    // Without the intermediate there is no path.
    expect(failed(verifyTimeStamp(stamp(HELLO, leaf), HELLO, trusted))).toEqual(['timestamp.chain:CHAIN_UNTRUSTED']);
  });

  it('a certificate that is not a CA cannot issue the TSA certificate', () => {
    const notCa = makeTsa(root, { commonName: 'Not a CA', extendedKeyUsage: null });
    const leaf = makeTsa({ key: notCa.key, cert: notCa.cert });
    const result = verifyTimeStamp(stamp(HELLO, { ...leaf, chain: [notCa.cert] }), HELLO, trusted);
    expect(result.code).toMatch(/^(CHAIN_UNTRUSTED|ISSUER_NOT_CA)$/);
  });

  it('EKU missing, not critical, or not only timeStamping each fail with their own code', () => {
    const cases: [Parameters<typeof makeTsa>[1], string][] = [
      [{ extendedKeyUsage: null }, 'EKU_MISSING'],
      [{ extendedKeyUsage: { purposes: [TIMESTAMP_OIDS.kpTimeStamping], critical: false } }, 'EKU_NOT_CRITICAL'],
      [{ extendedKeyUsage: { purposes: [TIMESTAMP_OIDS.kpTimeStamping, '1.3.6.1.5.5.7.3.3'], critical: true } }, 'EKU_NOT_TIMESTAMPING'],
    ];
    for (const [options, code] of cases) {
      expect(failed(verifyTimeStamp(stamp(HELLO, makeTsa(root, options)), HELLO, trusted)), code).toEqual([`timestamp.eku:${code}`]);
    }
  });

  it('a TSA certificate expired or not yet valid at genTime fails (accuracy counted)', () => {
    const expired = makeTsa(root, { notBefore: new Date(T0.getTime() - 10 * DAY), notAfter: new Date(T0.getTime() - DAY) });
    expect(failed(verifyTimeStamp(stamp(HELLO, expired), HELLO, trusted))).toEqual(['timestamp.validity:CERT_EXPIRED']);
    const future = makeTsa(root, { notBefore: new Date(T0.getTime() + DAY) });
    expect(failed(verifyTimeStamp(stamp(HELLO, future), HELLO, trusted))).toEqual(['timestamp.validity:CERT_NOT_YET_VALID']);
    // genTime 500 ms before notAfter, but accuracy is 1 s: it may have been after expiry.
    const edge = makeTsa(root, { notAfter: new Date(T0.getTime() + 500) });
    expect(failed(verifyTimeStamp(stamp(HELLO, edge), HELLO, trusted))).toEqual(['timestamp.validity:CERT_EXPIRED']);
  });

  it('a root expired at genTime fails CERT_EXPIRED', () => {
    const oldRoot = makeRoot('Old Root', new Date(T0.getTime() - 100 * DAY), new Date(T0.getTime() - DAY));
    const result = verifyTimeStamp(stamp(HELLO, makeTsa(oldRoot)), HELLO, [{ name: 'Old', roots: [oldRoot.cert] }]);
    expect(failed(result)).toEqual(['timestamp.validity:CERT_EXPIRED']);
  });

  it('no trusted roots fails NO_TRUSTED_ROOTS unless the caller opts out of the chain', () => {
    expect(failed(verifyTimeStamp(stamp(HELLO, tsa), HELLO, []))).toEqual(['timestamp.chain:NO_TRUSTED_ROOTS']);
    expect(verifyTimeStamp(stamp(HELLO, tsa), HELLO, [], { requireTrustedChain: false }).ok).toBe(true);
  });

  it('tampering with the TSTInfo or the signature is caught by its own step', () => {
    const response = stamp(HELLO, tsa);
    const parsed = parseTimeStamp(response);
    const at = Buffer.from(response).indexOf(Buffer.from(parsed.tstInfoDer));
    const genTimeText = Buffer.from('20260301120000Z');
    const timeAt = Buffer.from(response).indexOf(genTimeText, at);
    const moved = new Uint8Array(response);
    moved[timeAt + 13] = '1'.charCodeAt(0); // 12:00:00 -> 12:00:01
    expect(failed(verifyTimeStamp(moved, HELLO, trusted))).toEqual(['timestamp.signed-attributes:MESSAGE_DIGEST_MISMATCH']);
    const badSignature = new Uint8Array(response);
    badSignature[badSignature.length - 5]! ^= 0x01;
    expect(verifyTimeStamp(badSignature, HELLO, trusted).code).toBe('SIGNATURE_INVALID');
  });

  it('a rejection response fails RESPONSE_NOT_GRANTED', async () => {
    const { rejectionResponse } = await import('../../src/timestamp/index.js');
    const result = verifyTimeStamp(rejectionResponse('badAlg', 'no'), HELLO, trusted);
    expect(failed(result)).toEqual(['timestamp.parse:RESPONSE_NOT_GRANTED']);
  });
});

describe('verifyTimeStamp on a token stuffed with certificates', () => {
  it('certificates that all issue each other end in CHAIN_UNTRUSTED without an exponential search', { timeout: 30_000 }, () => {
    // 15 CA certificates (the most a token may carry with its TSA certificate) with one name and
    // one key: each one "issues" every other, which made a depth-first path search try 15^7 paths.
    const loop = makeRoot('Loop CA');
    const publicKey = createPublicKey(loop.key);
    const window = { notBefore: new Date(T0.getTime() - 9 * DAY), notAfter: new Date(T0.getTime() + 200 * DAY) };
    const clones = Array.from({ length: 15 }, () =>
      buildCertificate({ commonName: 'Loop CA', publicKey, issuerCert: loop.cert, issuerKey: loop.key, ca: true, ...window }),
    );
    const trusted: TrustedTsa[] = [{ name: 'Elsewhere', roots: [makeRoot('Elsewhere Root').cert] }];
    const result = verifyTimeStamp(stamp(HELLO, { ...makeTsa(loop), chain: clones }), HELLO, trusted);
    expect(failed(result)).toEqual(['timestamp.chain:CHAIN_UNTRUSTED']);
  });
});
