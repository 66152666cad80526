import { createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { TAG, concatBytes, tlv } from './der.js';
import { TimestampError } from './errors.js';
import { OID } from './oids.js';

/** A signing key and how it signs: the algorithm identifier and node:crypto parameters. */
export interface SigningKey {
  key: KeyObject;
  algorithm: AlgorithmIdentifier;
  hash: 'sha256';
}

/** How our own code signs with `key` (certificates and tokens): ECDSA or RSA PKCS#1 v1.5, SHA-256. */
export function signingKey(key: KeyObject): SigningKey {
  if (key.asymmetricKeyType === 'ec') return { key, algorithm: new AlgorithmIdentifier({ algorithm: OID.ecdsaWithSha256 }), hash: 'sha256' };
  if (key.asymmetricKeyType === 'rsa') return { key, algorithm: new AlgorithmIdentifier({ algorithm: OID.sha256WithRsa, parameters: null }), hash: 'sha256' };
  throw new TimestampError('UNSUPPORTED_KEY', `a TSA key must be EC or RSA, not ${String(key.asymmetricKeyType)}`);
}

export function signBytes(signer: SigningKey, data: Uint8Array): Uint8Array {
  return new Uint8Array(sign(signer.hash, data, signer.key.asymmetricKeyType === 'ec' ? { key: signer.key, dsaEncoding: 'der' } : signer.key));
}

export interface CertificateOptions {
  /** Common name of the subject. */
  commonName: string;
  organization?: string;
  publicKey: KeyObject;
  /** Issuer certificate (DER) and key; omit for a self-signed certificate (then `issuerKey` is the subject's private key). */
  issuerCert?: Uint8Array;
  issuerKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  ca: boolean;
  /** Extended key usage; `null` leaves the extension out (for negative tests). */
  extendedKeyUsage?: { purposes: string[]; critical: boolean } | null;
  serial?: Uint8Array;
}

/** Build and sign an X.509 v3 certificate (RFC 5280 sec. 4.1); returns DER. */
export function buildCertificate(options: CertificateOptions): Uint8Array {
  const subject = makeName(options.commonName, options.organization);
  const issuer = options.issuerCert === undefined ? subject : AsnConvert.parse(options.issuerCert, Certificate).tbsCertificate.subject;
  const extensions: Extension[] = [
    extension(OID.basicConstraints, true, AsnConvert.serialize(new BasicConstraints({ cA: options.ca }))),
    extension(
      OID.keyUsage,
      true,
      AsnConvert.serialize(new KeyUsage(options.ca ? KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign : KeyUsageFlags.digitalSignature)),
    ),
  ];
  if (options.extendedKeyUsage !== undefined && options.extendedKeyUsage !== null) {
    const eku = options.extendedKeyUsage;
    extensions.push(extension(OID.extKeyUsage, eku.critical, AsnConvert.serialize(new ExtendedKeyUsage(eku.purposes))));
  }
  const signer = signingKey(options.issuerKey);
  const serial = options.serial ?? positiveSerial();
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: toArrayBuffer(serial),
    signature: signer.algorithm,
    issuer,
    validity: new Validity({ notBefore: options.notBefore, notAfter: options.notAfter }),
    subject,
    subjectPublicKeyInfo: AsnConvert.parse(options.publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo),
    extensions: new Extensions(extensions),
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const signature = signBytes(signer, tbsDer);
  return tlv(TAG.SEQUENCE, tbsDer, new Uint8Array(AsnConvert.serialize(signer.algorithm)), tlv(TAG.BIT_STRING, Uint8Array.of(0), signature));
}

export interface ThrowawayTsaCredentials {
  rootCertPem: string;
  tsaCertPem: string;
  /** PKCS#8 PEM of the TSA signing key. Lives only as long as the caller keeps it; never logged. */
  tsaKeyPem: string;
  rootCertDer: Uint8Array;
  tsaCertDer: Uint8Array;
}

export interface ThrowawayOptions {
  /** Validity starts a day before `now` and lasts `days` (default 30). */
  now: Date;
  days?: number;
  commonName?: string;
}

/**
 * A fresh root CA and a TSA certificate it issued (ECDSA P-256; EKU timeStamping, critical,
 * RFC 3161 sec. 2.3), for demos and tests. The root key is discarded once the TSA certificate is signed.
 */
export function createThrowawayTsaCredentials(options: ThrowawayOptions): ThrowawayTsaCredentials {
  const notBefore = new Date(options.now.getTime() - 24 * 3600 * 1000);
  const notAfter = new Date(options.now.getTime() + (options.days ?? 30) * 24 * 3600 * 1000);
  const name = options.commonName ?? 'evidence-packet local TSA';
  const root = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const tsa = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rootCertDer = buildCertificate({
    commonName: `${name} root`,
    organization: 'evidence-packet (throw-away)',
    publicKey: root.publicKey,
    issuerKey: root.privateKey,
    notBefore,
    notAfter,
    ca: true,
  });
  const tsaCertDer = buildCertificate({
    commonName: name,
    organization: 'evidence-packet (throw-away)',
    publicKey: tsa.publicKey,
    issuerCert: rootCertDer,
    issuerKey: root.privateKey,
    notBefore,
    notAfter,
    ca: false,
    extendedKeyUsage: { purposes: [OID.kpTimeStamping], critical: true },
  });
  return {
    rootCertPem: toPem(rootCertDer),
    tsaCertPem: toPem(tsaCertDer),
    tsaKeyPem: tsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    rootCertDer,
    tsaCertDer,
  };
}

export function toPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const base64 = Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${base64}-----END ${label}-----\n`;
}

export function loadPrivateKey(pem: string | Uint8Array): KeyObject {
  try {
    return createPrivateKey({ key: typeof pem === 'string' ? pem : Buffer.from(pem), format: 'pem' });
  } catch (error) {
    throw new TimestampError('KEY_MALFORMED', 'the TSA key is not an unencrypted PEM private key', { cause: error });
  }
}

function makeName(commonName: string, organization?: string): Name {
  const rdn = (type: string, value: string): RelativeDistinguishedName =>
    new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) })]);
  const rdns = organization === undefined ? [] : [rdn('2.5.4.10', organization)];
  return new Name([...rdns, rdn('2.5.4.3', commonName)]);
}

function extension(oid: string, critical: boolean, value: ArrayBuffer): Extension {
  return new Extension({ extnID: oid, critical, extnValue: new OctetString(value) });
}

function positiveSerial(): Uint8Array {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40; // positive, no leading zero: minimal DER
  return new Uint8Array(bytes);
}

export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return concatBytes([bytes]).buffer as ArrayBuffer;
}
