/**
 * A certificate factory for hostile TSA PKIs: every field the path checks look at can be set
 * (path length, key usage, extra critical extensions, name constraints, the hash the issuer signs
 * with, RSA key sizes). Built with @peculiar/asn1-x509 so that nothing depends on the clock.
 */
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
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
  GeneralName,
  GeneralSubtree,
  GeneralSubtrees,
  KeyUsage,
  KeyUsageFlags,
  Name,
  NameConstraints,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { createTimeStampRequest, respondToTimeStampRequest, TIMESTAMP_OIDS, toPem } from '../../src/timestamp/index.js';

export const DAY = 24 * 3600 * 1000;

export type KeySpec = 'P-256' | `rsa-${number}`;
export type SignHash = 'sha256' | 'sha1' | 'md5';

export interface Issued {
  key: KeyObject;
  cert: Uint8Array;
  pem: string;
  name: Name;
}

export interface CertSpec {
  cn: string;
  o?: string;
  key?: KeySpec;
  /** Omit for a self-signed certificate. */
  issuer?: Issued;
  notBefore: Date;
  notAfter: Date;
  ca?: boolean;
  pathLen?: number;
  /** Key usage flags; `null` leaves the extension out. Default: CA keyCertSign|cRLSign, leaf digitalSignature. */
  keyUsage?: number | null;
  /** Default for a non-CA: timeStamping, critical. `null` leaves it out. */
  eku?: { purposes: string[]; critical: boolean } | null;
  /** Permitted directoryName subtree (an O= value), as a critical name constraint. */
  permittedO?: string;
  extra?: { oid: string; critical: boolean; value: Uint8Array }[];
  /** Hash the issuer signs this certificate with. */
  hash?: SignHash;
}

const SIG_OIDS: Record<string, Record<SignHash, string>> = {
  rsa: { sha256: '1.2.840.113549.1.1.11', sha1: '1.2.840.113549.1.1.5', md5: '1.2.840.113549.1.1.4' },
  ec: { sha256: '1.2.840.10045.4.3.2', sha1: '1.2.840.10045.4.1', md5: 'unsupported' },
};

export function makeKey(spec: KeySpec = 'P-256'): { publicKey: KeyObject; privateKey: KeyObject } {
  if (spec.startsWith('rsa-')) return generateKeyPairSync('rsa', { modulusLength: Number(spec.slice(4)) });
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

const rdn = (type: string, value: string): RelativeDistinguishedName =>
  new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) })]);

function name(cn: string, o?: string): Name {
  return new Name([...(o === undefined ? [] : [rdn('2.5.4.10', o)]), rdn('2.5.4.3', cn)]);
}

function extension(oid: string, critical: boolean, value: ArrayBuffer | Uint8Array): Extension {
  return new Extension({ extnID: oid, critical, extnValue: new OctetString(value) });
}

export function issue(spec: CertSpec, pair = makeKey(spec.key)): Issued {
  const subject = name(spec.cn, spec.o);
  const ca = spec.ca ?? false;
  const extensions: Extension[] = [extension('2.5.29.19', true, AsnConvert.serialize(new BasicConstraints({ cA: ca, ...(spec.pathLen === undefined ? {} : { pathLenConstraint: spec.pathLen }) })))];
  const usage = spec.keyUsage === undefined ? (ca ? KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign : KeyUsageFlags.digitalSignature) : spec.keyUsage;
  if (usage !== null) extensions.push(extension('2.5.29.15', true, AsnConvert.serialize(new KeyUsage(usage))));
  const eku = spec.eku === undefined ? (ca ? null : { purposes: [TIMESTAMP_OIDS.kpTimeStamping], critical: true }) : spec.eku;
  if (eku !== null) extensions.push(extension('2.5.29.37', eku.critical, AsnConvert.serialize(new ExtendedKeyUsage(eku.purposes))));
  if (spec.permittedO !== undefined) {
    const permitted = new GeneralSubtrees([new GeneralSubtree({ base: new GeneralName({ directoryName: new Name([rdn('2.5.4.10', spec.permittedO)]) }) })]);
    extensions.push(extension('2.5.29.30', true, AsnConvert.serialize(new NameConstraints({ permittedSubtrees: permitted }))));
  }
  for (const extra of spec.extra ?? []) extensions.push(extension(extra.oid, extra.critical, extra.value));
  const issuerKey = spec.issuer?.key ?? pair.privateKey;
  const hash = spec.hash ?? 'sha256';
  const family = issuerKey.asymmetricKeyType === 'rsa' ? 'rsa' : 'ec';
  const algorithm = new AlgorithmIdentifier({ algorithm: SIG_OIDS[family]![hash], ...(family === 'rsa' ? { parameters: null } : {}) });
  const serial = randomBytes(12);
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: new Uint8Array(serial).buffer,
    signature: algorithm,
    issuer: spec.issuer?.name ?? subject,
    validity: new Validity({ notBefore: spec.notBefore, notAfter: spec.notAfter }),
    subject,
    subjectPublicKeyInfo: AsnConvert.parse(pair.publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo),
    extensions: new Extensions(extensions),
  });
  const tbsDer = AsnConvert.serialize(tbs);
  const signature = sign(hash, new Uint8Array(tbsDer), family === 'ec' ? { key: issuerKey, dsaEncoding: 'der' } : issuerKey);
  const cert = new Uint8Array(AsnConvert.serialize(new Certificate({ tbsCertificate: tbs, signatureAlgorithm: algorithm, signatureValue: new Uint8Array(signature).buffer })));
  return { key: pair.privateKey, cert, pem: toPem(cert), name: subject };
}

/** A TimeStampResp over `data` by `tsa` at `time`; `chain` is carried when certificates are requested. */
export function tokenFor(data: Uint8Array, tsa: Issued, time: Date, options: { chain?: Issued[]; certReq?: boolean } = {}): Uint8Array {
  const request = createTimeStampRequest(data, { certReq: options.certReq ?? true });
  return respondToTimeStampRequest(request.der, { key: tsa.key, cert: tsa.cert, chain: (options.chain ?? []).map((c) => c.cert) }, { time, serial: Uint8Array.of(7) });
}
