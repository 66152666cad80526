import { inputError } from '../core/errors.js';
import { addUnsealedFiles } from '../packet/update.js';
import { readBoundedFile } from './files.js';
import { readPacket, type PacketReading } from '../packet/reader.js';
import { unsealedPath } from '../packet/format.js';
import { MAX_KEY_BYTES, signWithGpg, signWithKeyFile, verifyDetachedSignature, type KeyGate, type KeyMaterial, type PassphraseInput, type SignOutcome } from '../signing/index.js';
import { findSigner, type TrustPolicy } from '../trust/index.js';

export type Signer = (
  | { kind: 'key-file'; keyFile: string; passphrase?: PassphraseInput }
  | { kind: 'gpg'; localUser?: string; env?: NodeJS.ProcessEnv }
) & {
  /** Refuse a key this policy does not pin, before any passphrase or PIN is asked for. */
  policy?: TrustPolicy;
};


export interface SignPacketResult {
  fingerprint: string;
  digest: string;
  created: Date;
  /** The key had already signed this packet: nothing was signed or written (docs/exit-codes.md). */
  alreadyPresent: boolean;
}

/** Thrown by the gate to stop before any passphrase or PIN is asked for: the key has signed already. */
class AlreadySigned extends Error {
  constructor(readonly fingerprint: string) {
    super(`already signed by ${fingerprint}`);
  }
}

/**
 * Sign a packet's manifest and add `signatures/<FPR>.asc` and `keys/<FPR>.asc`. The packet must
 * be intact; the signature is made outside the packet lock (a hardware token may wait for a
 * PIN) and added under it, after checking the manifest did not change meanwhile. A key that has
 * already signed the packet signs nothing: its signature is checked and the result says
 * `alreadyPresent` (one that does not verify is refused, ALREADY_PRESENT).
 */
export async function signPacket(packetPath: string, signer: Signer, now: Date): Promise<SignPacketResult> {
  const reading = await readIntact(packetPath);
  const manifest = reading.manifestBytes as Buffer;
  let outcome: SignOutcome;
  const policyGate = signer.policy === undefined ? undefined : pinnedBy(signer.policy);
  const gate: KeyGate = (identity) => {
    policyGate?.(identity);
    if (reading.unsealed.signatures.has(identity.fingerprint)) throw new AlreadySigned(identity.fingerprint);
  };
  try {
    if (signer.kind === 'key-file') {
      const bytes = await readBoundedFile(signer.keyFile, MAX_KEY_BYTES, 'key');
      outcome = await signWithKeyFile(manifest, bytes, signer.passphrase, { date: now, gate });
    } else {
      outcome = await signWithGpg(manifest, {
        ...(signer.localUser === undefined ? {} : { localUser: signer.localUser }),
        ...(signer.env === undefined ? {} : { env: signer.env }),
        gate,
        now,
      });
    }
  } catch (error) {
    if (error instanceof AlreadySigned) return existingSignature(packetPath, reading, error.fingerprint, signer.policy, now);
    throw error;
  }
  await addUnsealedFiles(packetPath, reading.digest as string, [
    { dir: 'signatures', fingerprint: outcome.fingerprint, bytes: Buffer.from(outcome.signatureArmored, 'utf8') },
    { dir: 'keys', fingerprint: outcome.fingerprint, bytes: Buffer.from(outcome.publicKeyArmored, 'utf8'), replace: true },
  ]);
  return { fingerprint: outcome.fingerprint, digest: reading.digest as string, created: outcome.created, alreadyPresent: false };
}

/**
 * The key has signed this packet already. Its signature must verify over this manifest with the
 * packet's copy of the key (or the policy's): then nothing is to be done. Otherwise the file is
 * in the way and only `packet unsign` may take it out.
 */
async function existingSignature(packetPath: string, reading: PacketReading, fingerprint: string, policy: TrustPolicy | undefined, now: Date): Promise<SignPacketResult> {
  const candidates: KeyMaterial[] = [];
  const packetKey = reading.unsealed.keys.get(fingerprint);
  if (packetKey !== undefined) candidates.push({ source: unsealedPath('keys', fingerprint), armored: packetKey.toString('utf8') });
  for (const signer of policy?.signers ?? []) if (signer.key !== undefined) candidates.push({ source: signer.key.path, armored: signer.key.armored });
  const created = await keptSignature(packetPath, reading, fingerprint, candidates, now);
  return { fingerprint, digest: reading.digest as string, created, alreadyPresent: true };
}

/**
 * A packet holds one signature per primary key. When the key has one there already, it is kept
 * if it verifies over this manifest (its creation time is returned); one that does not verify is
 * in the way: ALREADY_PRESENT, and only `packet unsign` takes it out (docs/exit-codes.md).
 */
export async function keptSignature(packetPath: string, reading: PacketReading, fingerprint: string, candidates: KeyMaterial[], now: Date): Promise<Date> {
  const existing = reading.unsealed.signatures.get(fingerprint) as Buffer;
  const verification = await verifyDetachedSignature(reading.manifestBytes as Buffer, existing.toString('utf8'), candidates, { now });
  if (verification.ok && verification.primaryFingerprint === fingerprint && verification.created !== undefined) return verification.created;
  throw inputError('ALREADY_PRESENT', `${unsealedPath('signatures', fingerprint)} is already in ${packetPath} but does not verify (${verification.code}); nothing changed`, {
    hint: `a packet holds one signature per key: take the old one out with 'packet unsign ${packetPath} ${fingerprint}', then sign again`,
  });
}

/** The gate for `sign --policy`: the key's primary fingerprint must be pinned; pinning a subkey gets a pointed hint. */
function pinnedBy(policy: TrustPolicy): KeyGate {
  return ({ fingerprint, subkeys }) => {
    if (findSigner(policy, fingerprint) !== undefined) return;
    const pinnedSubkey = subkeys.find((subkey) => findSigner(policy, subkey) !== undefined);
    throw inputError('KEY_NOT_IN_POLICY', `key ${fingerprint} is not pinned by the trust policy ${policy.source}; its signature would not count`, {
      hint:
        pinnedSubkey === undefined
          ? 'sign with a key the policy pins, or ask the policy owner to add this fingerprint'
          : `the policy pins ${pinnedSubkey}, a subkey of this key; it must pin the primary fingerprint ${fingerprint}`,
    });
  };
}

/** Read a packet and insist that it passes every integrity check (nothing is signed or stamped otherwise). */
export async function readIntact(packetPath: string): Promise<PacketReading> {
  const reading = await readPacket(packetPath);
  if (!reading.intact || reading.manifestBytes === undefined || reading.digest === undefined) {
    const first = reading.checks.find((c) => c.status === 'fail');
    throw inputError('PACKET_NOT_INTACT', `${packetPath} fails its integrity checks${first === undefined ? '' : ` (${first.code})`}`, {
      hint: `run 'packet verify --integrity-only ${packetPath}' to see every problem`,
    });
  }
  return reading;
}
