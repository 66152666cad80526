import type { Report } from '../core/result.js';
import type { DualControlOutcome } from '../trust/index.js';
import { visible } from './escape.js';
import { renderCheck } from './text.js';

interface SignerFact {
  file: string;
  fingerprint: string;
  counted: boolean;
  pendingTimestamp?: boolean;
  signer?: { id: string; name: string; roles: string[] };
  created?: string;
  trustedTime?: string;
  code?: string;
}

type DualControlFact = Pick<
  DualControlOutcome,
  'satisfied' | 'requiredSignatures' | 'distinctPeople' | 'missingPeople' | 'requiredRoles' | 'roleAssignment' | 'missingRoles'
>;

/** Where a ceremony stands, for a person: who signed, what is missing. */
export function renderStatus(report: Report): string {
  const facts = report.facts ?? {};
  const signers = (facts.signers as SignerFact[] | undefined) ?? [];
  const dual = facts.dualControl as DualControlFact | undefined;
  const lines: string[] = [];
  const state = report.verdict === 'pass' ? 'COMPLETE' : report.verdict === 'incomplete' ? 'INCOMPLETE' : report.verdict === 'intact' ? 'INTACT (signatures not checked)' : 'FAILED';
  lines.push(`packet status ${visible(report.subject)}: ${state}`);
  if (typeof facts.digest === 'string') lines.push(`  digest  sha256:${facts.digest}`);
  lines.push('  signatures:');
  if (signers.length === 0) lines.push('    none yet');
  for (const s of signers) {
    const who = s.signer === undefined ? 'not counted' : visible(`${s.signer.name} (${s.signer.id}; ${s.signer.roles.join(', ')})`);
    const when = visible(s.trustedTime !== undefined ? `trusted time ${s.trustedTime}` : s.created !== undefined ? `signed ${s.created} (claimed, no time-stamp)` : '');
    const mark = s.counted ? 'ok  ' : s.pendingTimestamp === true ? 'wait' : 'FAIL';
    const note = s.counted ? '' : s.pendingTimestamp === true ? '  [awaiting time-stamp]' : `  [${visible(s.code ?? 'NOT_COUNTED')}]`;
    lines.push(`    ${mark} ${who}  key ${visible(s.fingerprint)}  ${when}${note}`);
  }
  if (dual !== undefined) {
    lines.push(`  people  ${dual.distinctPeople} of ${dual.requiredSignatures} required`);
    if (dual.requiredRoles.length > 0) {
      const covered = Object.entries(dual.roleAssignment).map(([role, who]) => visible(`${role} by ${who}`));
      lines.push(`  roles   ${covered.length > 0 ? covered.join(', ') : 'none covered'}`);
    }
    if (!dual.satisfied) {
      const missing: string[] = [];
      if (dual.missingPeople > 0) missing.push(`${dual.missingPeople} more ${dual.missingPeople === 1 ? 'person' : 'people'}`);
      if (dual.missingRoles.length > 0) missing.push(visible(`roles ${dual.missingRoles.join(', ')}`));
      lines.push(`  missing ${missing.join('; ')}`);
    }
  }
  const problems = report.checks.filter((c) => c.status === 'fail');
  if (problems.length > 0) {
    lines.push('  problems:');
    for (const check of problems) lines.push(...renderCheck(check).map((l) => `  ${l}`));
  }
  return `${lines.join('\n')}\n`;
}
