/**
 * Key revocations, judged explicitly (RFC 4880 section 5.2.3.23, reason for revocation).
 *
 * OpenPGP.js 6.3 (isDataRevoked) treats reasons 1, 3 and 32 as soft and applies them only at or
 * after their creation time, every other reason as hard. We follow the same split with one
 * deliberate difference: reason 32 (user ID no longer valid) means nothing for a key, so on a
 * key or subkey revocation it counts as unknown, which is hard. A hard revocation (compromised,
 * no reason, unknown reason) invalidates every signature the key ever made; a soft one
 * (superseded, retired) only signatures made after it.
 */
import * as openpgp from 'openpgp';

export interface Revocation {
  scope: 'primary key' | 'signing subkey';
  hard: boolean;
  /** Reason name, e.g. keyCompromised, keyRetired, noReason. */
  reason: string;
  created: Date;
}

const SOFT_REASONS = new Set<number>([openpgp.enums.reasonForRevocation.keySuperseded, openpgp.enums.reasonForRevocation.keyRetired]);

export async function findRevocations(key: openpgp.PublicKey, subkey: openpgp.Subkey | undefined, config: openpgp.Config): Promise<Revocation[]> {
  const primary = key.keyPacket;
  const found: Revocation[] = [];
  const consider = async (
    signatures: openpgp.SignaturePacket[],
    scope: Revocation['scope'],
    type: openpgp.enums.signature,
    dataToVerify: object,
  ): Promise<void> => {
    for (const revocation of signatures) {
      // Only the key's own revocations count; designated revokers are not supported by OpenPGP.js.
      if (!revocation.issuerKeyID.equals(primary.getKeyID())) continue;
      try {
        // `null` date: verify the revocation itself whatever its time; its time is judged by the caller.
        await revocation.verify(primary, type, dataToVerify, null as unknown as Date, false, config);
      } catch {
        continue; // a revocation that does not verify is noise, not a revocation
      }
      const flag = revocation.reasonForRevocationFlag;
      const hard = flag === null || flag === undefined || !SOFT_REASONS.has(flag);
      found.push({ scope, hard, reason: reasonName(flag), created: revocation.created as Date });
    }
  };
  await consider(key.revocationSignatures, 'primary key', openpgp.enums.signature.keyRevocation, { key: primary });
  if (subkey !== undefined) {
    await consider(subkey.revocationSignatures, 'signing subkey', openpgp.enums.signature.subkeyRevocation, { key: primary, bind: subkey.keyPacket });
  }
  return found;
}

function reasonName(flag: number | null | undefined): string {
  if (flag === null || flag === undefined) return 'no reason given';
  const names: Record<number, string> = {
    0: 'noReason',
    1: 'keySuperseded',
    2: 'keyCompromised',
    3: 'keyRetired',
    32: 'userIDInvalid',
  };
  return names[flag] ?? `unknown reason ${flag}`;
}
