/**
 * RFC 3161 time-stamps: request codec, offline verification, the HTTP client (the only
 * network code) and a local TSA for demos and tests.
 */
export { createTimeStampRequest, parseTimeStampRequest } from './request.js';
export type { ImprintHash, TimeStampRequest, TimeStampRequestOptions, ParsedTimeStampRequest } from './request.js';
export { verifyTimeStamp } from './verify.js';
export type { TrustedTsa, TimeStampResult, TimeStampedData, VerifyTimeStampOptions } from './verify.js';
export { parseTimeStamp, MAX_TIMESTAMP_BYTES, MAX_TOKEN_CERTIFICATES } from './token.js';
export type { ParsedTimeStamp } from './token.js';
export { loadCertificates, MAX_CHAIN_CANDIDATES, MAX_RSA_BITS, MAX_RSA_EXPONENT } from './certs.js';
export { requestTimeStamp } from './client.js';
export type { RequestTimeStampOptions } from './client.js';
export { startLocalTsa } from './server.js';
export type { LocalTsa, LocalTsaOptions } from './server.js';
export { respondToTimeStampRequest, rejectionResponse } from './tsa.js';
export type { TsaIdentity, IssueContext, FailureInfo } from './tsa.js';
export { createThrowawayTsaCredentials, buildCertificate, loadPrivateKey, toPem } from './credentials.js';
export type { ThrowawayTsaCredentials, ThrowawayOptions, CertificateOptions } from './credentials.js';
export { TimestampError } from './errors.js';
export { OID as TIMESTAMP_OIDS } from './oids.js';
