import { readFile } from 'node:fs/promises';
import { inputError } from '../core/errors.js';
import { addUnsealedFiles } from '../packet/update.js';
import { readPacket, type PacketReading } from '../packet/reader.js';
import { signWithGpg, signWithKeyFile, type SignOutcome } from '../signing/index.js';

export type Signer =
  | { kind: 'key-file'; keyFile: string; passphrase?: string | (() => Promise<string | undefined>) }
  | { kind: 'gpg'; localUser?: string; env?: NodeJS.ProcessEnv };


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
  if (signer.kind === 'key-file') {
    const armored = await readFile(signer.keyFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw inputError('KEY_FILE_UNREADABLE', `key file ${signer.keyFile} cannot be read (${error.code ?? error.message})`);
    });
    outcome = await signWithKeyFile(manifest, armored, signer.passphrase, { date: now });
  } else {
    outcome = await signWithGpg(manifest, { ...(signer.localUser === undefined ? {} : { localUser: signer.localUser }), ...(signer.env === undefined ? {} : { env: signer.env }), now });
  }
  await addUnsealedFiles(packetPath, reading.digest as string, [
    { dir: 'signatures', fingerprint: outcome.fingerprint, bytes: Buffer.from(outcome.signatureArmored, 'utf8') },
    { dir: 'keys', fingerprint: outcome.fingerprint, bytes: Buffer.from(outcome.publicKeyArmored, 'utf8'), replace: true },
  ]);
  return { fingerprint: outcome.fingerprint, digest: reading.digest as string, created: outcome.created };
}

/** Read a packet and insist that it passes every integrity check (nothing is signed or stamped otherwise). */
export async function readIntact(packetPath: string): Promise<PacketReading> {
  const reading = await readPacket(packetPath);
  if (!reading.intact || reading.manifestBytes === undefined || reading.digest === undefined) {
    const first = reading.checks.find((c) => c.status === 'fail');
    throw inputError('PACKET_NOT_INTACT', `${packetPath} fails its integrity checks${first === undefined ? '' : ` (${first.code})`}`, {
      hint: `run 'packet verify ${packetPath}' to see every problem`,
    });
  }
  return reading;
}
