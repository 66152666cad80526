/**
 * Candidate keys and their history. Copies of one key (the policy's key file, the packet's
 * keys/ copy) are merged without losing history: OpenPGP.js's merge keeps only the newest
 * binding signature per issuer, which would make a key renewed since a signature look invalid
 * at the signature's time. And when only self-signatures made after a signature are known, the
 * key is judged by the earliest of them, as gpg does.
 */
import * as openpgp from 'openpgp';
import { SigningCode } from './codes.js';
import { errorText, KeyRuleError, primaryFingerprint, readPublicKey, type KeyMaterial } from './keys.js';

export interface CandidateProblem {
  source: string;
  code: string;
  message: string;
}

export interface CandidateKey {
  key: openpgp.PublicKey;
  sources: string[];
  /** Every copy as parsed, before merging: OpenPGP.js keeps only the newest binding signature per issuer. */
  copies: openpgp.PublicKey[];
}

/**
 * Parse every candidate; copies of one key (policy file, packet keys/) are merged without losing
 * history: a revocation in any copy counts, and so does every binding signature, so that a key
 * renewed since the signature is judged by the binding that was valid when it signed.
 */
export async function loadCandidates(materials: KeyMaterial[], problems: CandidateProblem[], config: openpgp.Config): Promise<CandidateKey[]> {
  const byFingerprint = new Map<string, CandidateKey>();
  for (const material of materials) {
    let key: openpgp.PublicKey;
    try {
      key = await readPublicKey(material);
    } catch (error) {
      const code = error instanceof KeyRuleError ? error.code : SigningCode.KEY_MALFORMED;
      problems.push({ source: material.source, code, message: errorText(error) });
      continue;
    }
    const fingerprint = primaryFingerprint(key);
    const known = byFingerprint.get(fingerprint);
    if (known === undefined) {
      byFingerprint.set(fingerprint, { key, sources: [material.source], copies: [key] });
      continue;
    }
    try {
      // `null` date: merge every signature, whatever its time; validity is judged later.
      // The merge works on clones: restoring history below must not see its own output.
      const merged = (await cloneKey(known.key).update(cloneKey(key), null as unknown as Date, config)) as openpgp.PublicKey;
      known.copies.push(key);
      restoreBindingHistory(merged, known.copies);
      known.key = merged;
      known.sources.push(material.source);
    } catch (error) {
      problems.push({ source: material.source, code: SigningCode.KEY_MALFORMED, message: `cannot merge with ${known.sources[0]}: ${errorText(error)}` });
    }
  }
  return [...byFingerprint.values()];
}

/** A copy with its own signature lists (clone() is public in OpenPGP.js but missing from its type declarations). */
function cloneKey(key: openpgp.PublicKey): openpgp.PublicKey {
  return (key as unknown as { clone(): openpgp.PublicKey }).clone();
}

/** Every subkey binding signature of every copy, once each (compared by their bytes). */
function restoreBindingHistory(merged: openpgp.PublicKey, copies: openpgp.PublicKey[]): void {
  for (const subkey of merged.subkeys) {
    const all: openpgp.SignaturePacket[] = [];
    const seen = new Set<string>();
    for (const copy of copies) {
      for (const other of copy.subkeys) {
        if (other.getFingerprint() !== subkey.getFingerprint()) continue;
        for (const binding of other.bindingSignatures) {
          const id = Buffer.from(binding.write()).toString('base64');
          if (seen.has(id)) continue;
          seen.add(id);
          all.push(binding);
        }
      }
    }
    if (all.length > 0) subkey.bindingSignatures = all;
  }
}

/**
 * When to ask OpenPGP.js about a key's self-signatures: at the signature's time if some
 * self-signature existed then; otherwise (only later ones are known, as in a fresh copy made
 * after a renewal) at the earliest later one. Expiry is a window from the key's creation, so
 * a key valid at that later time was valid at the earlier one too (it already existed then).
 */
export function directSignatures(key: openpgp.Key): openpgp.SignaturePacket[] {
  return (key as unknown as { directSignatures: openpgp.SignaturePacket[] }).directSignatures;
}

export function selfSignatureDate(signatures: openpgp.SignaturePacket[], at: Date): Date {
  let earliestLater: Date | undefined;
  for (const signature of signatures) {
    const created = signature.created;
    if (created === null) continue;
    if (created <= at) return at;
    if (earliestLater === undefined || created < earliestLater) earliestLater = created;
  }
  return earliestLater ?? at;
}

