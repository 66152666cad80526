/**
 * What gpg will sign with, read from `gpg --with-colons --list-secret-keys` (GnuPG's
 * doc/DETAILS: field 2 validity, 4 algorithm, 6 creation, 12 capabilities, 17 curve; an `fpr`
 * record follows each key) before it is asked to sign: the primary fingerprint (for the policy
 * gate) and the signing key's algorithm (for the digest it needs and the curves we refuse).
 */
import { inputError } from '../core/errors.js';
import { SigningCode } from './codes.js';

export interface KeyIdentity {
  /** Primary fingerprint, 40 upper-case hex. */
  fingerprint: string;
  subkeys: string[];
}

export interface GpgSigningPlan {
  identity: KeyIdentity;
  /** The --digest-algo for the signing key: at least as long as its curve (RFC 6637 section 12.2.5). */
  digest: 'SHA256' | 'SHA384';
}

interface ColonKey {
  primary: boolean;
  validity: string;
  algorithm: number;
  created: number;
  capabilities: string;
  curve: string;
  fingerprint?: string;
}

/** GnuPG algorithm ids: 1 RSA, 19 ECDSA, 22 EdDSA. Curves by gpg's names. */
const DIGEST_BY_CURVE: Record<string, 'SHA256' | 'SHA384'> = { ed25519: 'SHA256', nistp256: 'SHA256', nistp384: 'SHA384' };

export function inspectGpgKey(listing: string, localUser: string | undefined): GpgSigningPlan {
  const blocks: ColonKey[][] = [];
  let last: ColonKey | undefined;
  for (const line of listing.split('\n')) {
    const f = line.split(':');
    if (f[0] === 'sec' || f[0] === 'ssb') {
      last = { primary: f[0] === 'sec', validity: f[1] ?? '', algorithm: Number(f[3]), created: Number(f[5]), capabilities: f[11] ?? '', curve: f[16] ?? '' };
      if (last.primary) blocks.push([]);
      blocks[blocks.length - 1]?.push(last);
    } else if (f[0] === 'fpr' && last !== undefined && last.fingerprint === undefined) {
      last.fingerprint = (f[9] ?? '').toUpperCase();
    }
  }
  const who = localUser === undefined ? 'the default key' : `--local-user ${localUser}`;
  if (blocks.length === 0) throw inputError(SigningCode.GPG_FAILED, `gpg has no secret key for ${who}`, { hint: 'list them with `gpg --list-secret-keys`' });
  if (localUser !== undefined && blocks.length > 1) {
    throw inputError(SigningCode.GPG_FAILED, `${who} matches ${blocks.length} secret keys`, { hint: 'give the primary key fingerprint with --local-user' });
  }
  const keys = blocks[0] as ColonKey[];
  const primary = keys[0] as ColonKey;
  // gpg signs with the newest valid signing-capable (sub)key.
  const usable = keys.filter((k) => k.capabilities.includes('s') && !/[erdin]/.test(k.validity)).sort((a, b) => b.created - a.created);
  const signing = usable[0] ?? primary;
  let digest: 'SHA256' | 'SHA384' = 'SHA256';
  if (signing.algorithm === 19 || signing.algorithm === 22) {
    const chosen = DIGEST_BY_CURVE[signing.curve];
    if (chosen === undefined || (signing.algorithm === 22) !== (signing.curve === 'ed25519')) {
      throw inputError(SigningCode.UNSUPPORTED_CURVE, `the signing key ${signing.fingerprint ?? ''} uses curve ${signing.curve || 'unknown'}; only Ed25519, NIST P-256 and NIST P-384 are accepted`, {
        hint: 'sign with an Ed25519, NIST P-256/P-384 or RSA (3072 bits or more) key',
      });
    }
    digest = chosen;
  }
  return { identity: { fingerprint: primary.fingerprint ?? '', subkeys: keys.slice(1).flatMap((k) => (k.fingerprint === undefined ? [] : [k.fingerprint])) }, digest };
}
