import { describeCause, environmentError, inputError, type PacketError } from '../core/errors.js';

/** The store refused a lock change (shortening COMPLIANCE retention, for one). */
export class LockRefusedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LockRefusedError';
  }
}

/** Credentials are looked up only where the AWS tools look: never the command line or a file of ours. */
export function credentialsMissing(): PacketError {
  return environmentError('LOCKER_NO_CREDENTIALS', 'no S3 credentials: none in the environment and no profile named', {
    hint: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials), or name a profile with AWS_PROFILE or s3.profile in the locker file',
  });
}

const CREDENTIAL_CODES = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'CredentialsProviderError', 'ExpiredToken', 'InvalidToken']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'TimeoutError', 'RequestTimeout', 'AbortError']);

/** Turn an error from the store into a PacketError with an exit code and a hint. */
export function storageError(action: string, where: string, error: unknown): PacketError {
  const name = errorName(error);
  if (CREDENTIAL_CODES.has(name)) {
    return environmentError('LOCKER_CREDENTIALS_REJECTED', `${action}: ${where} rejected the credentials (${name})`, {
      cause: error,
      hint: 'check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the profile; they are never printed',
    });
  }
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  if (name === 'AccessDenied' || status === 403) {
    return environmentError('LOCKER_ACCESS_DENIED', `${action}: ${where} denied access (${name}, HTTP ${status ?? '?'})`, { cause: error, hint: 'check the credentials (never printed), the bucket policy and the permissions of these credentials' });
  }
  if (NETWORK_CODES.has(name) || /socket|network|connect/i.test(describeCause(error))) {
    return environmentError('LOCKER_UNREACHABLE', `${action}: cannot reach ${where}: ${describeCause(error)}`, { cause: error, hint: 'check the endpoint in the locker file and the network; retry when it is back' });
  }
  return inputError('LOCKER_STORE_ERROR', `${action}: ${where} answered ${name}: ${describeCause(error)}`, { cause: error });
}

export function errorName(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'Error';
  const e = error as { name?: unknown; code?: unknown; Code?: unknown };
  if (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) return e.code;
  if (typeof e.Code === 'string') return e.Code;
  return typeof e.name === 'string' ? e.name : 'Error';
}
