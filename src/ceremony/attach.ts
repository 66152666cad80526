import { inputError } from '../core/errors.js';
import { unsealedPath } from '../packet/format.js';
import { addUnsealedFiles, type UnsealedFile } from '../packet/update.js';
import { keyMaterialFromBytes, MAX_KEY_BYTES, MAX_SIGNATURE_BYTES, normalizeSignature, readPublicKey, verifyDetachedSignature, type KeyMaterial } from '../signing/index.js';
import type { TrustPolicy } from '../trust/index.js';
import { readBoundedFile } from './files.js';
import { keptSignature, readIntact } from './sign.js';
import { readCheckedTimestamp } from './timestamp.js';
import type { TrustedTsa } from '../timestamp/index.js';

export interface AttachOptions {
  now: Date;
  /** Public key files to verify with (and to add as keys/<FPR>.asc). */
  keyFiles?: string[];
  /** A policy whose signer key files may be used to verify. */
  policy?: TrustPolicy;
  /**
   * The signature's time-stamp, carried over from the signer's copy of the packet: added in the
   * same write, after it verifies over the stored signature bytes against `trusted`.
   */
  timestamp?: { file: string; trusted: TrustedTsa[] };
}

export interface AttachResult {
  fingerprint: string;
  file: string;
  /**
   * The key had already signed the packet (this very signature, or another by the same key that
   * verifies): nothing changed, and `created` is that of the signature kept.
   */
  alreadyPresent: boolean;
  /** `timestamps/<FPR>.tsr`, when a time-stamp was given. */
  timestamp?: string;
  created?: Date;
}

/**
 * Add a signature made elsewhere (`gpg --detach-sign [--armor] manifest.sha256` on an air-gapped
 * machine, say, or another signer's copy of the packet). It must verify over this packet's
 * manifest with one of the given keys, the policy's keys or a key already in the packet; it is
 * stored armored under the signing key's primary fingerprint, with its time-stamp when given.
 */
export async function attachSignature(packetPath: string, signatureFile: string, options: AttachOptions): Promise<AttachResult> {
  const reading = await readIntact(packetPath);
  const raw = await readBoundedFile(signatureFile, MAX_SIGNATURE_BYTES + 4096, 'signature');
  const normalized = await normalizeSignature(raw);
  const candidates: KeyMaterial[] = [];
  const keyFiles = new Map<string, string>();
  for (const path of options.keyFiles ?? []) {
    // Armored or binary, exactly one key: refused here with its reason, never silently misread.
    const material = keyMaterialFromBytes(path, await readBoundedFile(path, MAX_KEY_BYTES, 'key'));
    const key = await readPublicKey(material).catch((error: unknown) => {
      const code = (error as { code?: string }).code ?? 'KEY_MALFORMED';
      throw inputError(code, error instanceof Error ? error.message : String(error), { hint: 'give one public key per --key file (gpg --armor --export <fingerprint>)' });
    });
    const armored = key.armor();
    candidates.push({ source: path, armored });
    keyFiles.set(path, armored);
  }
  for (const signer of options.policy?.signers ?? []) {
    if (signer.key !== undefined) candidates.push({ source: signer.key.path, armored: signer.key.armored });
  }
  for (const [fingerprint, bytes] of reading.unsealed.keys) candidates.push({ source: unsealedPath('keys', fingerprint), armored: bytes.toString('utf8') });

  const verification = await verifyDetachedSignature(reading.manifestBytes as Buffer, normalized.armored, candidates, { now: options.now });
  if (!verification.ok || verification.primaryFingerprint === undefined) {
    throw inputError(verification.code, `${signatureFile} does not verify over the manifest of ${packetPath}: ${verification.message}`, {
      hint: verification.code === 'UNKNOWN_KEY' ? "give the signer's public key with --key FILE" : 'sign the exact bytes of manifest.sha256 from this packet',
    });
  }
  const fingerprint = verification.primaryFingerprint;
  const file = unsealedPath('signatures', fingerprint);
  if (reading.unsealed.signatures.has(fingerprint)) {
    const created = await keptSignature(packetPath, reading, fingerprint, candidates, options.now);
    const timestamp = await addMissingTimestamp(packetPath, reading, fingerprint, options);
    return { fingerprint, file, alreadyPresent: true, created, ...(timestamp === undefined ? {} : { timestamp }) };
  }
  const files: UnsealedFile[] = [{ dir: 'signatures', fingerprint, bytes: Buffer.from(normalized.armored, 'utf8') }];
  const usedKeyFile = verification.keySources.find((source) => keyFiles.has(source));
  if (usedKeyFile !== undefined && !reading.unsealed.keys.has(fingerprint)) {
    files.push({ dir: 'keys', fingerprint, bytes: Buffer.from(keyFiles.get(usedKeyFile) as string, 'utf8') });
  }
  if (options.timestamp !== undefined) {
    const token = await readCheckedTimestamp({ fingerprint, tokenFile: options.timestamp.file, trusted: options.timestamp.trusted, now: options.now }, files[0]!.bytes);
    files.push({ dir: 'timestamps', fingerprint, bytes: Buffer.from(token) });
  }
  await addUnsealedFiles(packetPath, reading.digest as string, files);
  return {
    fingerprint,
    file,
    alreadyPresent: false,
    ...(options.timestamp === undefined ? {} : { timestamp: unsealedPath('timestamps', fingerprint) }),
    ...(verification.created === undefined ? {} : { created: verification.created }),
  };
}

/**
 * The key's signature was there already (kept): a --timestamp given with it is added when the
 * packet has none for that signature, after it verifies over the kept signature's bytes; one there
 * already is left as it is (`packet timestamp --import` judges a second token).
 */
async function addMissingTimestamp(packetPath: string, reading: Awaited<ReturnType<typeof readIntact>>, fingerprint: string, options: AttachOptions): Promise<string | undefined> {
  if (options.timestamp === undefined || reading.unsealed.timestamps.has(fingerprint)) return undefined;
  const kept = reading.unsealed.signatures.get(fingerprint) as Buffer;
  const token = await readCheckedTimestamp({ fingerprint, tokenFile: options.timestamp.file, trusted: options.timestamp.trusted, now: options.now }, kept);
  await addUnsealedFiles(packetPath, reading.digest as string, [{ dir: 'timestamps', fingerprint, bytes: Buffer.from(token) }]);
  return unsealedPath('timestamps', fingerprint);
}
