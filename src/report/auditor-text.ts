/**
 * Sentences the Markdown and HTML working papers share, so both say the same thing. Plain text:
 * each renderer escapes it for its own syntax.
 */
import type { PolicyView, SignerView } from './auditor-view.js';
import { plural } from '../core/plural.js';

export const claimNote =
  "Values marked as claims come from packet.json, written by the builder: sealing proves they were not changed since, not that they are true. Only a trusted time-stamp proves when a signature existed.";

export const REDACTION_CAVEAT =
  'Redaction is heuristic: the rules find secrets of known shapes and names. A secret of another shape can pass unnoticed, and a value that only looks like one can be removed. Read the evidence before relying on it being secret-free.';

/** What the policy requires, as one sentence. */
export function policyRequirement(policy: PolicyView): string {
  const r = policy.require;
  const parts = [`signatures by at least ${plural(r.signatures, 'distinct person', 'distinct people')} whose primary keys it pins`];
  if (r.roles.length > 0) parts.push(`the roles ${r.roles.join(', ')}, each covered by a different person`);
  parts.push(r.timestamps ? 'a time-stamp from a TSA it trusts on every counted signature' : 'no time-stamps (signer-claimed times are then taken as they are)');
  return parts.join('; ');
}

/** `primary key 2026-01-15T08:00:00Z to no expiry; signing subkey ...; judged at T (the trusted time)`. */
export function keyValidityText(signer: SignerView): string {
  const v = signer.keyValidity;
  if (v === undefined) return 'unknown';
  const window = (w: { created: string; expires: string | null }): string => `${w.created} to ${w.expires === null ? 'no expiry' : w.expires}`;
  const parts = [`primary key ${window(v.primary)}`];
  if (v.signingKey !== undefined) parts.push(`signing subkey ${window(v.signingKey)}`);
  if (signer.judgedAt !== undefined) {
    const basis = signer.trustedTime !== undefined && signer.judgedAt === signer.trustedTime ? 'the trusted time' : "the signer's claimed time";
    parts.push(`judged at ${signer.judgedAt} (${basis})`);
  }
  return parts.join('; ');
}

/** `2026-03-01T12:00:00Z from Example TSA (signer CN=..., serial 01)`, or why there is none. */
export function trustedTimeText(signer: SignerView): string {
  if (signer.trustedTime === undefined) return signer.pendingTimestamp === true ? 'none yet (time-stamp missing)' : 'none (no valid time-stamp)';
  const tsa = signer.tsa ?? {};
  const details = [tsa.subject === undefined ? undefined : `signer ${tsa.subject}`, tsa.serial === undefined ? undefined : `serial ${tsa.serial}`].filter((x): x is string => x !== undefined);
  return `${signer.trustedTime} (RFC 3161${tsa.name === undefined ? '' : `, ${tsa.name}`}${details.length > 0 ? `; ${details.join(', ')}` : ''})`;
}
