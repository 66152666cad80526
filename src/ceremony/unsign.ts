import { inputError } from '../core/errors.js';
import { removeUnsealedFiles } from '../packet/update.js';
import { normalizeFingerprint } from '../signing/index.js';

export interface UnsignResult {
  fingerprint: string;
  /** The files taken out: some of timestamps/<FPR>.tsr, signatures/<FPR>.asc, keys/<FPR>.asc. */
  removed: string[];
  /** Signatures still in the packet. */
  remaining: string[];
}

/**
 * Take a wrong signature back out of a packet, with its time-stamp and its key copy: the
 * ceremony's undo. Under the packet lock, and atomic for the tar form. The sealed part is not
 * touched, so the other signatures stay valid.
 */
export async function unsignPacket(packetPath: string, fingerprintText: string): Promise<UnsignResult> {
  const fingerprint = normalizeFingerprint(fingerprintText);
  if (fingerprint === undefined) {
    throw inputError('BAD_FINGERPRINT', `"${fingerprintText.slice(0, 80)}" is not a 40-hex-digit primary key fingerprint`, {
      hint: "the fingerprints in a packet are the names under signatures/; 'packet status PACKET' lists them",
    });
  }
  const { removed, reading } = await removeUnsealedFiles(packetPath, fingerprint);
  return { fingerprint, removed, remaining: [...reading.unsealed.signatures.keys()].sort() };
}
