/**
 * The facts of a verification against a trust policy: the policy as applied (its TSA roots by
 * subject and fingerprint) and what each signature showed. Apart from facts.ts because it needs the
 * certificate and signature code, which integrity-only verification (and a push without --policy)
 * does not load: about 17 MiB of RSS and 130 ms for the certificate parser alone.
 */
import { createHash } from 'node:crypto';
import { formatRfc3339 } from '../core/time.js';
import { loadCertificates, parseCertificate } from '../timestamp/certs.js';
import type { TrustPolicy } from '../trust/index.js';
import { keyValidityData, type SignatureStage } from './signatures.js';

/** What each signature showed, and the dual-control outcome. */
export function stageFacts(stage: SignatureStage): { signers: Record<string, unknown>[]; dualControl: Record<string, unknown> } {
  const d = stage.dualControl;
  const signers = stage.findings.map((f) => {
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
  const dualControl = {
    satisfied: d.satisfied,
    requiredSignatures: d.requiredSignatures,
    distinctPeople: d.distinctPeople,
    missingPeople: d.missingPeople,
    requiredRoles: d.requiredRoles,
    roleAssignment: d.roleAssignment,
    missingRoles: d.missingRoles,
  };
  return { signers, dualControl };
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
