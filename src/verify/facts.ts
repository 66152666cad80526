/**
 * The facts a verify Report carries besides its checks: what was verified (packet, evidence
 * list), against what (the policy, its digest, its TSA roots) and what each signature showed.
 * Renderers (the auditor's report) read them; values from the packet stay labelled as claims.
 */
import { createHash } from 'node:crypto';
import { formatRfc3339 } from '../core/time.js';
import type { PacketReading } from '../packet/reader.js';
import { loadCertificates, parseCertificate } from '../timestamp/certs.js';
import type { TrustPolicy } from '../trust/index.js';
import { keyValidityData, type SignatureStage } from './signatures.js';

/** Most evidence files listed in the facts; the rest are counted (manifest.sha256 lists them all). */
export const MAX_EVIDENCE_LISTED = 10_000;

export function packetFacts(reading: PacketReading, stage?: SignatureStage, policy?: TrustPolicy): Record<string, unknown> {
  const facts: Record<string, unknown> = { form: reading.form };
  if (reading.digest !== undefined) facts.digest = reading.digest;
  if (reading.metadata !== undefined) facts.packet = reading.metadata;
  facts.signatures = [...reading.unsealed.signatures.keys()];
  facts.timestamps = [...reading.unsealed.timestamps.keys()];
  facts.keys = [...reading.unsealed.keys.keys()];
  if (policy !== undefined) facts.policy = policyFacts(policy);
  if (reading.payload.length > 0) facts.evidence = evidenceFacts(reading);
  if (stage !== undefined) {
    const d = stage.dualControl;
    facts.signers = stage.findings.map((f) => {
      const v = f.verification;
      return {
        file: f.file,
        fingerprint: f.fingerprint,
        counted: f.counted,
        ...(f.pendingTimestamp === true ? { pendingTimestamp: true } : {}),
        ...(f.signer === undefined ? {} : { signer: f.signer }),
        ...(v?.created === undefined ? {} : { created: formatRfc3339(v.created) }),
        ...(f.trustedTime === undefined ? {} : { trustedTime: formatRfc3339(f.trustedTime) }),
        ...(f.timeAuthority === undefined ? {} : { tsa: f.timeAuthority }),
        ...(v?.judgedAt === undefined ? {} : { judgedAt: formatRfc3339(v.judgedAt) }),
        ...(v?.signingKeyFingerprint === undefined ? {} : { signingKey: v.signingKeyFingerprint }),
        ...(v?.publicKeyAlgorithm === undefined ? {} : { algorithm: v.publicKeyAlgorithm }),
        ...(v?.keyBits === undefined ? {} : { keyBits: v.keyBits }),
        ...(v?.curve === undefined ? {} : { curve: v.curve }),
        ...(v?.hashAlgorithm === undefined ? {} : { hash: v.hashAlgorithm }),
        ...(v?.keyValidity === undefined ? {} : { keyValidity: keyValidityData(v.keyValidity) }),
        ...(f.reason !== undefined ? { code: f.reason } : v === undefined ? {} : { code: v.code }),
        ...(f.message === undefined ? {} : { message: f.message }),
      };
    });
    facts.dualControl = {
      satisfied: d.satisfied,
      requiredSignatures: d.requiredSignatures,
      distinctPeople: d.distinctPeople,
      missingPeople: d.missingPeople,
      requiredRoles: d.requiredRoles,
      roleAssignment: d.roleAssignment,
      missingRoles: d.missingRoles,
    };
  }
  return facts;
}

/** The policy as applied: where it is, its digest, what it requires, whom and which TSA roots it trusts. */
export function policyFacts(policy: TrustPolicy): Record<string, unknown> {
  return {
    path: policy.source,
    ...(policy.sha256 === undefined ? {} : { sha256: policy.sha256 }),
    require: { signatures: policy.require.signatures, roles: [...policy.require.roles], timestamps: policy.require.timestamps },
    signers: policy.signers.map((s) => ({ id: s.id, name: s.name, roles: [...s.roles], fingerprints: [...s.fingerprints], ...(s.key === undefined ? {} : { key: s.key.path }) })),
    tsa: policy.tsa.map((tsa) => ({
      name: tsa.name,
      roots: tsa.roots.flatMap((root) => certificateFacts(root.source, root.pem)),
      certificates: tsa.certificates.flatMap((cert) => certificateFacts(cert.source, cert.pem)),
    })),
  };
}

/** Each certificate of a PEM file by subject and SHA-256 of its DER (the usual certificate fingerprint). */
function certificateFacts(source: string, pem: string): Record<string, unknown>[] {
  let ders: Uint8Array[];
  try {
    ders = loadCertificates(pem);
  } catch {
    return [{ source }];
  }
  return ders.map((der) => {
    const sha256 = createHash('sha256').update(der).digest('hex');
    try {
      const cert = parseCertificate(der);
      return { source, subject: cert.subject, sha256, notBefore: formatRfc3339(cert.notBefore), notAfter: formatRfc3339(cert.notAfter) };
    } catch {
      return { source, sha256 };
    }
  });
}

/**
 * The evidence files seen, with their size and the SHA-256 the manifest lists (each one checked
 * against the bytes by the integrity stage). Only files the manifest lists; bounded.
 */
function evidenceFacts(reading: PacketReading): Record<string, unknown> {
  const files: { path: string; size: number; sha256: string }[] = [];
  let count = 0;
  let bytes = 0;
  for (const file of reading.payload) {
    count += 1;
    bytes += file.size;
    if (files.length < MAX_EVIDENCE_LISTED) files.push(file);
  }
  files.sort((a, b) => Buffer.compare(Buffer.from(a.path, 'utf8'), Buffer.from(b.path, 'utf8')));
  return { count, bytes, files, omitted: count - files.length };
}
