import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { proposalContentHash, loadContractFile } from '../../src/contracts/index.js';
import { join } from 'node:path';
import { CONTRACTS_DIR } from './helpers.js';

describe('proposal content hash', () => {
  it('is SHA-256 of the RFC 8785 canonical JSON without approvals', () => {
    const proposal = { kind: 'Proposal', id: 'p', b: [1, 'x'], a: { z: 1, y: 2 }, approvals: [{ approver: 'bob' }] };
    // RFC 8785: keys sorted by UTF-16 code units, no whitespace.
    const canonical = '{"a":{"y":2,"z":1},"b":[1,"x"],"id":"p","kind":"Proposal"}';
    expect(proposalContentHash(proposal)).toBe(`sha256:${createHash('sha256').update(canonical).digest('hex')}`);
  });

  it('ignores key order and approvals, and changes with any other content', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string(), fc.integer(), fc.boolean())), fc.string(), (fields, extra) => {
        const base = { ...fields, justification: 'because' };
        delete (base as Record<string, unknown>).approvals;
        const reversed = Object.fromEntries(Object.entries(base).reverse());
        expect(proposalContentHash(reversed)).toBe(proposalContentHash(base));
        expect(proposalContentHash({ ...base, approvals: [extra] })).toBe(proposalContentHash(base));
        expect(proposalContentHash({ ...base, justification: `because${extra}!` })).not.toBe(proposalContentHash(base));
      }),
    );
  });

  it('matches the approvals of the bundled prod proposal', async () => {
    const loaded = await loadContractFile(join(CONTRACTS_DIR, 'acme/proposals/acme-2026-0042.yaml'));
    if (!loaded.ok) throw new Error('bundled proposal does not parse');
    const value = loaded.source.value as { approvals: { contentHash: string }[] };
    expect(value.approvals.length).toBe(2);
    for (const approval of value.approvals) expect(approval.contentHash).toBe(proposalContentHash(value));
  });
});
