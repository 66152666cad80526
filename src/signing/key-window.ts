/**
 * The validity window of a signing key as it stood at a given time: when the primary key (and
 * the signing subkey) was created and when its self-signature in force then made it expire.
 * For the auditor's report only: the verdict itself comes from verifyDetachedSignature's checks.
 */
import type * as openpgp from 'openpgp';

export interface KeyWindow {
  created: Date;
  /** null: the self-signature in force sets no expiry. */
  expires: Date | null;
}

export interface KeyValidity {
  primary: KeyWindow;
  /** Present when a subkey made the signature. */
  signingKey?: KeyWindow;
  /** The key's primary user id at that time: the key holder's own claim, not checked by anyone. */
  userId?: string;
}

/**
 * The windows at `primaryAt` (primary key) and `subkeyAt` (subkey): the dates at which
 * verification judged them. A window that cannot be read (no valid self-signature then) is
 * left out rather than guessed; the caller reports validity failures through its own checks.
 */
export async function keyValidityAt(key: openpgp.PublicKey, subkey: openpgp.Subkey | undefined, primaryAt: Date, subkeyAt: Date, config: openpgp.Config): Promise<KeyValidity | undefined> {
  let validity: KeyValidity;
  try {
    const { user, selfCertification } = await key.getPrimaryUser(primaryAt, undefined, config);
    validity = { primary: { created: key.keyPacket.created, expires: expiryOf(key.keyPacket.created, selfCertification) } };
    if (typeof user.userID?.userID === 'string' && user.userID.userID !== '') validity.userId = user.userID.userID;
  } catch {
    return undefined;
  }
  if (subkey !== undefined) {
    try {
      // A Date, Infinity (no expiry), or null when no binding signature was valid then.
      const expires = await subkey.getExpirationTime(subkeyAt, config);
      if (expires !== null) validity.signingKey = { created: subkey.keyPacket.created, expires: expires instanceof Date ? expires : null };
    } catch {
      // The subkey's binding is judged (and reported) by the verification itself.
    }
  }
  return validity;
}

/** RFC 4880 section 5.2.3.6: key expiration is seconds after the key's creation; zero or absent means never. */
function expiryOf(created: Date, signature: openpgp.SignaturePacket): Date | null {
  if (signature.keyNeverExpires !== false || signature.keyExpirationTime === null || signature.keyExpirationTime <= 0) return null;
  return new Date(created.getTime() + signature.keyExpirationTime * 1000);
}
