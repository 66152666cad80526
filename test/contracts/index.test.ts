import { describe, expect, it } from 'vitest';
import * as contracts from '../../src/contracts/index.js';
import * as report from '../../src/report/index.js';

describe('public API', () => {
  it('keeps the contracts exports others call', () => {
    for (const name of ['validateContracts', 'proposalContentHash', 'createKindRegistry', 'defaultKindRegistry', 'loadContractFile', 'parseContractText', 'locatePointer', 'collectContractFiles', 'SEMANTIC_RULES', 'DOCUMENT_RULES', 'KINDS']) {
      expect(contracts, name).toHaveProperty(name);
    }
  });

  it('keeps the report renderers', () => {
    for (const name of ['renderText', 'renderJson', 'renderGithub', 'renderSarif']) expect(report, name).toHaveProperty(name);
  });

  it('rule ids are unique and codes UPPER_SNAKE', () => {
    const rules = [...contracts.SEMANTIC_RULES, ...contracts.DOCUMENT_RULES];
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
    for (const rule of rules) {
      expect(rule.id).toMatch(/^[a-z]+\.[a-z-]+$/);
      expect(rule.code).toMatch(/^[A-Z][A-Z0-9_]+$/);
    }
  });
});
