import { inputError } from '../core/errors.js';
import { addUnsealedFiles } from '../packet/update.js';
import { readBoundedFile } from './files.js';
import { readPacket, type PacketReading } from '../packet/reader.js';
import { MAX_KEY_BYTES, signWithGpg, signWithKeyFile, type KeyGate, type SignOutcome } from '../signing/index.js';
import { findSigner, type TrustPolicy } from '../trust/index.js';

export type Signer = (
  | { kind: 'key-file'; keyFile: string; passphrase?: string | (() => Promise<string | undefined>) }
  | { kind: 'gpg'; localUser?: string; env?: NodeJS.ProcessEnv }
) & {
  /** Refuse a key this policy does not pin, before any passphrase or PIN is asked for. */
  policy?: TrustPolicy;
};


export interface SignPacketResult {
  fingerprint: string;
  digest: string;
  created: Date;
}

/**
 * Sign a packet's manifest and add `signatures/<FPR>.asc` and `keys/<FPR>.asc`. The packet must
 * be intact; the signature is made outside the packet lock (a hardware token may wait for a
 * PIN) and added under it, after checking the manifest did not change meanwhile.
 */
export async function signPacket(packetPath: string, signer: Signer, now: Date): Promise<SignPacketResult> {
  const reading = await readIntact(packetPath);
  const manifest = reading.manifestBytes as Buffer;
  let outcome: SignOutcome;
  const gate = signer.policy === undefined ? undefined : pinnedBy(signer.policy);
  if (signer.kind === 'key-file') {
    const bytes = await readBoundedFile(signer.keyFile, MAX_KEY_BYTES, 'key');
    outcome = await signWithKeyFile(manifest, bytes, signer.passphrase, { date: now, ...(gate === undefined ? {} : { gate }) });
  } else {
    outcome = await signWithGpg(manifest, {
      ...(signer.localUser === undefined ? {} : { localUser: signer.localUser }),
      ...(signer.env === undefined ? {} : { env: signer.env }),
      ...(gate === undefined ? {} : { gate }),
      now,
    });
  }
  await addUnsealedFiles(packetPath, reading.digest as string, [
    { dir: 'signatures', fingerprint: outcome.fingerprint, bytes: Buffer.from(outcome.signatureArmored, 'utf8') },
    { dir: 'keys', fingerprint: outcome.fingerprint, bytes: Buffer.from(outcome.publicKeyArmored, 'utf8'), replace: true },
  ]);
  return { fingerprint: outcome.fingerprint, digest: reading.digest as string, created: outcome.created };
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
