import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED_DIR } from '../helpers/cli.js';
import { buildCertificate, createTimeStampRequest, respondToTimeStampRequest, TIMESTAMP_OIDS, type TsaIdentity } from '../../src/timestamp/index.js';

export const TSA_FIXTURES = join(SHARED_DIR, 'fixtures/tsa-real');
export const HAVE_TSA_FIXTURES = existsSync(TSA_FIXTURES);
export const HELLO = new TextEncoder().encode('hello');

const DAY = 24 * 3600 * 1000;
export const T0 = new Date('2026-03-01T12:00:00Z');

export interface TestCa {
  key: KeyObject;
  cert: Uint8Array;
}

export function makeRoot(commonName = 'Test Root', notBefore = new Date(T0.getTime() - 10 * DAY), notAfter = new Date(T0.getTime() + 365 * DAY), ca = true): TestCa {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const cert = buildCertificate({ commonName, publicKey: pair.publicKey, issuerKey: pair.privateKey, notBefore, notAfter, ca });
  return { key: pair.privateKey, cert };
}

export interface TsaCertOptions {
  commonName?: string;
  notBefore?: Date;
  notAfter?: Date;
  extendedKeyUsage?: { purposes: string[]; critical: boolean } | null;
  curve?: 'P-256' | 'P-384' | 'rsa';
}

/** A TSA identity issued by `issuer`, by default valid around T0 with EKU timeStamping critical. */
export function makeTsa(issuer: TestCa, options: TsaCertOptions = {}): TsaIdentity {
  const pair =
    options.curve === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: options.curve ?? 'P-256' });
  const cert = buildCertificate({
    commonName: options.commonName ?? 'Test TSA',
    publicKey: pair.publicKey,
    issuerCert: issuer.cert,
    issuerKey: issuer.key,
    notBefore: options.notBefore ?? new Date(T0.getTime() - 5 * DAY),
    notAfter: options.notAfter ?? new Date(T0.getTime() + 100 * DAY),
    ca: false,
    extendedKeyUsage: options.extendedKeyUsage === undefined ? { purposes: [TIMESTAMP_OIDS.kpTimeStamping], critical: true } : options.extendedKeyUsage,
  });
  return { key: pair.privateKey, cert };
}

/** A granted TimeStampResp for `data` from `identity` at `time`. */
export function stamp(data: Uint8Array, identity: TsaIdentity, time = T0, nonce = 42n): Uint8Array {
  const request = createTimeStampRequest(data, { nonce });
  return respondToTimeStampRequest(request.der, identity, { time, serial: Uint8Array.of(1, 2, 3) });
}
