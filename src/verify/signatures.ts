import { formatRfc3339 } from '../core/time.js';
import { fail, pass, type Check } from '../core/result.js';
import type { KeyValidity, KeyWindow } from '../signing/key-window.js';
import { unsealedPath } from '../packet/format.js';
import type { PacketReading } from '../packet/reader.js';
import { checkKeyFileName, checkSignatureFileName, normalizeSignature, verifyDetachedSignature, type KeyMaterial, type SignatureVerification } from '../signing/index.js';
import { evaluateDualControl, findSigner, type CountedSignature, type DualControlOutcome, type TrustPolicy } from '../trust/index.js';

/** What the verifier concluded about one signature file. */
export interface SignatureFinding {
  fingerprint: string;
  file: string;
  verification?: SignatureVerification;
  signer?: { id: string; name: string; roles: string[] };
  /** Verified time-stamp genTime, when there is one. */
  trustedTime?: Date;
  /** The TSA behind trustedTime. */
  timeAuthority?: TimeAuthority;
  /** Why it counts or does not: the message of its `signature` check. */
  message?: string;
  counted: boolean;
  /** Verified and pinned, but still waiting for the time-stamp the policy requires. */
  pendingTimestamp?: boolean;
  /** Why it does not count, when it does not: the code of its failing check. */
  reason?: string;
}

/** Who vouched for a trusted time: the policy's name for the TSA and the token's signer. */
export interface TimeAuthority {
  /** The policy's name of the TSA whose root anchored the chain. */
  name?: string;
  /** Subject of the TSA's signing certificate. */
  subject?: string;
  /** TSTInfo serial number, lower-case hex. */
  serial?: string;
  accuracyMs?: number;
}

export interface TrustedTimeLookup {
  /** The verified genTime of the signature's time-stamp, with the checks that judged it. */
  (fingerprint: string): { checks: Check[]; genTime?: Date; authority?: TimeAuthority; required: boolean; present: boolean };
}

export interface SignatureStage {
  checks: Check[];
  findings: SignatureFinding[];
  dualControl: DualControlOutcome;
}

/**
 * Stage 2 of verification, after integrity: for each signature, its time-stamp first (so key
 * validity is judged at the trusted time), then the signature over the exact manifest bytes with
 * the candidate keys, then whether the policy pins the key. Then dual control counts people.
 * Keys shipped in the packet are only candidates: a signature counts only if the policy pins
 * its primary fingerprint.
 */
export async function verifySignatures(
  reading: PacketReading,
  policy: TrustPolicy,
  now: Date,
  trustedTime: TrustedTimeLookup,
  unmetStatus: 'fail' | 'warn',
): Promise<SignatureStage> {
  const checks: Check[] = [];
  const findings: SignatureFinding[] = [];
  const manifest = reading.manifestBytes as Buffer;
  // Cheap rejections first: only keys the policy pins are ever parsed or used, so a packet
  // stuffed with hostile keys and signatures costs a name comparison each.
  const candidates = candidateKeys(reading, policy);
  checks.push(...(await checkKeyFiles(reading, policy)));
  for (const [fingerprint, bytes] of [...reading.unsealed.signatures].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const file = unsealedPath('signatures', fingerprint);
    const finding: SignatureFinding = { fingerprint, file, counted: false };
    findings.push(finding);
    if (findSigner(policy, fingerprint) === undefined) {
      finding.reason = 'KEY_NOT_IN_POLICY';
      checks.push(
        fail('signature', 'KEY_NOT_IN_POLICY', `${file} is named for key ${fingerprint}, which the trust policy does not pin; it was not checked further`, {
          subject: file,
          data: { fingerprint },
          hint: await keyHint(policy, fingerprint, bytes),
        }),
      );
      // Its time-stamp is not checked either (the lookup says so without parsing it).
      checks.push(...trustedTime(fingerprint).checks);
      continue;
    }
    const time = trustedTime(fingerprint);
    checks.push(...time.checks);
    if (time.genTime !== undefined) finding.trustedTime = time.genTime;
    if (time.authority !== undefined) finding.timeAuthority = time.authority;
    const verification = await verifyDetachedSignature(manifest, bytes, candidates, {
      now,
      ...(time.genTime === undefined ? {} : { trustedTime: time.genTime }),
    });
    finding.verification = verification;
    const data = signatureData(verification, time.genTime);
    const unpinnedIssuer = verification.code === 'UNKNOWN_KEY' ? issuedByUnpinnedKey(reading, policy, verification) : undefined;
    if (unpinnedIssuer !== undefined) {
      finding.reason = 'SIGNATURE_FILE_NAME_MISMATCH';
      checks.push(fail('signature', 'SIGNATURE_FILE_NAME_MISMATCH', `${file}: named for ${fingerprint} but issued by key ${unpinnedIssuer}, which the trust policy does not pin`, { subject: file, data }));
      continue;
    }
    if (!verification.ok) {
      finding.reason = verification.code;
      checks.push(fail('signature', verification.code, verification.message, { subject: file, data }));
      continue;
    }
    const name = checkSignatureFileName(file, verification);
    if (!name.ok) {
      finding.reason = name.code;
      checks.push(fail('signature', name.code, name.message, { subject: file, data }));
      continue;
    }
    const signer = findSigner(policy, verification.primaryFingerprint as string);
    if (signer === undefined) {
      finding.reason = 'KEY_NOT_IN_POLICY';
      checks.push(
        fail('signature', 'KEY_NOT_IN_POLICY', `the signature verifies, but its key ${verification.primaryFingerprint} is not pinned by the trust policy`, {
          subject: file,
          data,
          hint: 'a key shipped in a packet is never trusted by itself; the policy must pin its fingerprint',
        }),
      );
      continue;
    }
    finding.signer = { id: signer.id, name: signer.name, roles: signer.roles };
    if (time.required && time.genTime === undefined) {
      // A missing time-stamp leaves the ceremony incomplete; an invalid one already failed above.
      // Either way the signature gets its one `signature` check, saying why it does not count.
      if (!time.present) {
        checks.push({
          ...fail('timestamp', 'TIMESTAMP_MISSING', `signature by ${signer.name} has no time-stamp yet; the policy requires one for every signature`, { subject: unsealedPath('timestamps', fingerprint), data }),
          status: unmetStatus,
          hint: `run 'packet timestamp PACKET --tsa URL'`,
        });
      }
      checks.push(
        fail('signature', 'TIMESTAMP_REQUIRED', `signature by ${signer.name} has no trusted time-stamp, which the policy requires`, {
          subject: file,
          data,
          status: time.present ? 'fail' : unmetStatus,
        }),
      );
      finding.pendingTimestamp = !time.present;
      finding.reason = time.present ? 'TIMESTAMP_REQUIRED' : 'TIMESTAMP_MISSING';
      continue;
    }
    finding.counted = true;
    checks.push(
      pass('signature', `good signature by ${signer.name} (${signer.id}; ${signer.roles.join(', ')})`, {
        subject: file,
        data: { ...data, signer: signer.id },
      }),
    );
    if (signer.key === undefined) {
      // Where key status came from: without the signer's own key file, only the packet's copy.
      checks.push({
        id: 'key.status',
        status: 'warn',
        code: 'REVOCATION_NOT_KNOWN',
        message: `key status of ${signer.name} (${signer.id}) comes only from the packet's copy of the key; a revocation published after signing cannot be known`,
        subject: file,
        data: { fingerprint: verification.primaryFingerprint, keySources: verification.keySources },
        hint: "name the signer's current public key in the policy (signers[].key) so that revocations count",
      });
    }
  }
  if (findings.length === 0) checks.push(fail('signature', 'NO_SIGNATURES', 'the packet carries no signatures', { status: unmetStatus }));
  const counted: CountedSignature[] = findings
    .filter((f) => f.counted)
    .map((f) => ({
      fingerprint: f.verification?.primaryFingerprint as string,
      signatureFile: f.file,
      ...(f.verification?.signingKeyFingerprint === undefined ? {} : { signingKeyFingerprint: f.verification.signingKeyFingerprint }),
    }));
  const dualControl = evaluateDualControl(policy, counted, { unmetStatus });
  checks.push(...dualControl.checks);
  for (const finding of findings) {
    // Why it counts or not, and whether dual control then counted it once only, as the checks say it.
    const said = checks.filter((c) => c.subject === finding.file && (c.id === 'signature' || c.id === 'signature.distinct')).map((c) => c.message);
    if (said.length > 0) finding.message = said.join('; ');
  }
  return { checks, findings, dualControl };
}

/**
 * Each `keys/<FPR>.asc` of a pinned key must hold the key its name promises: a mislabelled key
 * file is a tampered packet. Keys the policy does not pin are never used, so never parsed.
 */
async function checkKeyFiles(reading: PacketReading, policy: TrustPolicy): Promise<Check[]> {
  const checks: Check[] = [];
  for (const [fingerprint, bytes] of reading.unsealed.keys) {
    if (findSigner(policy, fingerprint) === undefined) continue;
    const file = unsealedPath('keys', fingerprint);
    const result = await checkKeyFileName(file, bytes.toString('utf8'));
    if (!result.ok) checks.push(fail('key', result.code, result.message, { subject: file }));
  }
  return checks;
}

/** The policy's key files and the packet's copies of pinned keys; nothing else is a candidate. */
function candidateKeys(reading: PacketReading, policy: TrustPolicy): KeyMaterial[] {
  const keys: KeyMaterial[] = [];
  for (const signer of policy.signers) {
    if (signer.key !== undefined) keys.push({ source: signer.key.path, armored: signer.key.armored });
  }
  for (const [fingerprint, bytes] of reading.unsealed.keys) {
    if (findSigner(policy, fingerprint) === undefined) continue;
    keys.push({ source: unsealedPath('keys', fingerprint), armored: bytes.toString('utf8') });
  }
  return keys;
}

/** The unpinned key in keys/ that a signature names as its issuer, by fingerprint or key id (a string comparison, no parsing). */
function issuedByUnpinnedKey(reading: PacketReading, policy: TrustPolicy, verification: SignatureVerification): string | undefined {
  for (const fingerprint of reading.unsealed.keys.keys()) {
    if (findSigner(policy, fingerprint) !== undefined) continue;
    if (verification.issuerFingerprints.includes(fingerprint) || verification.issuerKeyIds.includes(fingerprint.slice(-16))) return fingerprint;
  }
  return undefined;
}

/**
 * A policy that pins a subkey's fingerprint instead of the primary's gets a pointed hint: the
 * signature (parsed only, bounded) names the pinned subkey as its issuer.
 */
async function keyHint(policy: TrustPolicy, fingerprint: string, signature: Buffer): Promise<string> {
  const general = 'a key shipped in a packet is never trusted by itself; the policy must pin its primary fingerprint';
  try {
    const { issuerFingerprints } = await normalizeSignature(signature);
    const issuer = issuerFingerprints[0];
    const signer = issuer === undefined || issuer === fingerprint ? undefined : findSigner(policy, issuer);
    if (signer !== undefined) return `the policy pins ${issuer} for ${signer.id}, but that is a subkey; pin the primary fingerprint ${fingerprint} instead`;
  } catch {
    // An unreadable signature gets the general hint; it is not checked any further anyway.
  }
  return general;
}

function signatureData(v: SignatureVerification, trustedTime: Date | undefined): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  if (v.primaryFingerprint !== undefined) data.fingerprint = v.primaryFingerprint;
  if (v.signingKeyFingerprint !== undefined) data.signingKey = v.signingKeyFingerprint;
  if (v.created !== undefined) data.created = formatRfc3339(v.created);
  if (trustedTime !== undefined) data.trustedTime = formatRfc3339(trustedTime);
  if (v.hashAlgorithm !== undefined) data.hash = v.hashAlgorithm;
  if (v.publicKeyAlgorithm !== undefined) data.algorithm = v.publicKeyAlgorithm;
  if (v.keySources.length > 0) data.keySources = v.keySources;
  if (v.keyBits !== undefined) data.keyBits = v.keyBits;
  if (v.curve !== undefined) data.curve = v.curve;
  if (v.keyValidity !== undefined) data.keyValidity = keyValidityData(v.keyValidity);
  if (v.judgedWithLaterSelfSignature === true) data.keyHistory = 'only self-signatures made after the signature are known; key validity was judged from the earliest of them';
  return data;
}

/** A key's validity window as JSON: RFC 3339 times, `null` for no expiry. */
export function keyValidityData(validity: KeyValidity): Record<string, unknown> {
  const window = (w: KeyWindow): Record<string, unknown> => ({ created: formatRfc3339(w.created), expires: w.expires === null ? null : formatRfc3339(w.expires) });
  return {
    primary: window(validity.primary),
    ...(validity.signingKey === undefined ? {} : { signingKey: window(validity.signingKey) }),
    ...(validity.userId === undefined ? {} : { userId: validity.userId }),
  };
}
