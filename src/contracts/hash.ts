import { createHash } from 'node:crypto';
import { canonicalize } from 'json-canonicalize';

/**
 * The content hash an approval is bound to: `sha256:` and the lower-case hex SHA-256 of the
 * RFC 8785 (JCS) canonical JSON of the proposal without its `approvals` field. Any change to
 * the proposal, including its window, changes or justification, invalidates earlier approvals;
 * adding approvals does not.
 */
export function proposalContentHash(proposal: Record<string, unknown>): string {
  const { approvals: _approvals, ...content } = proposal;
  return `sha256:${createHash('sha256').update(canonicalize(content), 'utf8').digest('hex')}`;
}
