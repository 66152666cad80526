import { AsnConvert } from '@peculiar/asn1-schema';
import { Accuracy, TSTInfo, MessageImprint } from '@peculiar/asn1-tsp';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { OctetString } from '@peculiar/asn1-schema';
import type { KeyObject } from 'node:crypto';
import { parseCertificate } from './certs.js';
import { digest } from './cms-signature.js';
import { TAG, encodeOid, encodeSetOf, tlv } from './der.js';
import { signBytes, signingKey, toArrayBuffer } from './credentials.js';
import { TimestampError } from './errors.js';
import { OID, oidForHash } from './oids.js';
import { parseTimeStampRequest } from './request.js';

/** What a TSA signs with. */
export interface TsaIdentity {
  key: KeyObject;
  /** DER of the TSA certificate (EKU timeStamping, critical). */
  cert: Uint8Array;
  /** DER of intermediates to include when the client asks for certificates. */
  chain?: Uint8Array[];
  /** Policy OID stamped into every TSTInfo. */
  policy?: string;
}

export interface IssueContext {
  /** genTime; truncated to whole seconds. */
  time: Date;
  /** TSTInfo serialNumber content octets (positive, minimal). */
  serial: Uint8Array;
}

/** PKIFailureInfo bits (RFC 3161 sec. 2.4.2). */
export const FAILURE_BIT = {
  badAlg: 0,
  badRequest: 2,
  badDataFormat: 5,
  unacceptedPolicy: 15,
  unacceptedExtension: 16,
  systemFailure: 25,
} as const;
export type FailureInfo = keyof typeof FAILURE_BIT;

const FAILURE_FOR_CODE: Record<string, FailureInfo> = {
  BAD_REQUEST: 'badRequest',
  BAD_ALG: 'badAlg',
  BAD_DATA_FORMAT: 'badDataFormat',
  UNACCEPTED_POLICY: 'unacceptedPolicy',
  UNACCEPTED_EXTENSION: 'unacceptedExtension',
};

/**
 * Answer a DER TimeStampReq with a DER TimeStampResp (RFC 3161 sec. 2.4.2): granted with a
 * signed token, or rejection with the failure info. Pure: the time and serial are passed in.
 */
export function respondToTimeStampRequest(requestDer: Uint8Array, identity: TsaIdentity, context: IssueContext): Uint8Array {
  const policy = identity.policy ?? OID.localTsaPolicy;
  try {
    const request = parseTimeStampRequest(requestDer);
    if (request.policy !== undefined && request.policy !== policy) throw new TimestampError('UNACCEPTED_POLICY', `policy ${request.policy} is not offered`);
    if (request.hasExtensions) throw new TimestampError('UNACCEPTED_EXTENSION', 'request extensions are not supported');
    const info = new TSTInfo({
      version: 1,
      policy,
      messageImprint: new MessageImprint({
        hashAlgorithm: new AlgorithmIdentifier({ algorithm: oidForHash(request.hash), parameters: null }),
        hashedMessage: new OctetString(request.imprint),
      }),
      serialNumber: toArrayBuffer(context.serial),
      genTime: new Date(Math.floor(context.time.getTime() / 1000) * 1000),
      accuracy: new Accuracy({ seconds: 1 }),
    });
    if (request.nonce !== undefined) info.nonce = toArrayBuffer(request.nonce);
    const tstInfoDer = new Uint8Array(AsnConvert.serialize(info));
    const token = signToken(tstInfoDer, identity, request.certReq);
    return tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, tlv(TAG.INTEGER, Uint8Array.of(0))), token);
  } catch (error) {
    if (error instanceof TimestampError && FAILURE_FOR_CODE[error.code] !== undefined) {
      return rejectionResponse(FAILURE_FOR_CODE[error.code]!, error.message);
    }
    return rejectionResponse('systemFailure', 'the time-stamp could not be issued');
  }
}

/** A TimeStampResp with status rejection (2), a reason text and one failure bit. */
export function rejectionResponse(failure: FailureInfo, text: string): Uint8Array {
  const bit = FAILURE_BIT[failure];
  const bytes = new Uint8Array(Math.floor(bit / 8) + 1);
  bytes[bytes.length - 1] = 0x80 >> bit % 8;
  const unused = 7 - (bit % 8);
  const failInfo = tlv(TAG.BIT_STRING, Uint8Array.of(unused), bytes);
  const freeText = tlv(TAG.SEQUENCE, tlv(TAG.UTF8_STRING, new TextEncoder().encode(text)));
  return tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, tlv(TAG.INTEGER, Uint8Array.of(2)), freeText, failInfo));
}

/** CMS SignedData over the TSTInfo (RFC 5652 sec. 5; RFC 3161 sec. 2.4.2), one signer, ESS v2 (RFC 5035). */
function signToken(tstInfoDer: Uint8Array, identity: TsaIdentity, includeCertificates: boolean): Uint8Array {
  const cert = parseCertificate(identity.cert);
  const signer = signingKey(identity.key);
  const sha256 = tlv(TAG.SEQUENCE, encodeOid(OID.sha256));
  const attribute = (oid: string, value: Uint8Array): Uint8Array => tlv(TAG.SEQUENCE, encodeOid(oid), tlv(TAG.SET, value));
  const issuerSerial = tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, tlv(0xa4, cert.issuerDer)), tlv(TAG.INTEGER, cert.serial));
  // ESSCertIDv2 with the default hash (SHA-256) left out, as DER requires for DEFAULT values.
  const essCertId = tlv(TAG.SEQUENCE, tlv(TAG.OCTET_STRING, digest('sha256', identity.cert)), issuerSerial);
  const attributes = [
    attribute(OID.contentTypeAttr, encodeOid(OID.tstInfo)),
    attribute(OID.messageDigestAttr, tlv(TAG.OCTET_STRING, digest('sha256', tstInfoDer))),
    attribute(OID.signingCertificateV2, tlv(TAG.SEQUENCE, tlv(TAG.SEQUENCE, essCertId))),
  ];
  const signature = signBytes(signer, encodeSetOf(attributes));
  const signerInfo = tlv(
    TAG.SEQUENCE,
    tlv(TAG.INTEGER, Uint8Array.of(1)),
    tlv(TAG.SEQUENCE, cert.issuerDer, tlv(TAG.INTEGER, cert.serial)),
    sha256,
    encodeSetOf(attributes, 0xa0),
    new Uint8Array(AsnConvert.serialize(signer.algorithm)),
    tlv(TAG.OCTET_STRING, signature),
  );
  const certificates = includeCertificates ? [tlv(0xa0, identity.cert, ...(identity.chain ?? []))] : [];
  const signedData = tlv(
    TAG.SEQUENCE,
    tlv(TAG.INTEGER, Uint8Array.of(3)),
    tlv(TAG.SET, sha256),
    tlv(TAG.SEQUENCE, encodeOid(OID.tstInfo), tlv(0xa0, tlv(TAG.OCTET_STRING, tstInfoDer))),
    ...certificates,
    tlv(TAG.SET, signerInfo),
  );
  return tlv(TAG.SEQUENCE, encodeOid(OID.signedData), tlv(0xa0, signedData));
}
