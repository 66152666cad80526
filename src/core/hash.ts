import * as crypto from 'node:crypto';

/**
 * The hex digest of one piece of data (a string as UTF-8), in one call where Node has it
 * (`crypto.hash`, 20.12 and later), else through a Hash object. For callers that hash many
 * small pieces (a build's files, a list's packed entries), the object per piece cost more.
 */
export const hashHex: (algorithm: 'sha256' | 'md5', data: string | Uint8Array) => string =
  typeof crypto.hash === 'function'
    ? (algorithm, data) => crypto.hash(algorithm, data, 'hex')
    : (algorithm, data) => crypto.createHash(algorithm).update(data).digest('hex');
