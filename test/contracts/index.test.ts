import { describe, expect, it } from 'vitest';
import * as contracts from '../../src/contracts/index.js';
import * as report from '../../src/report/index.js';

describe('public API', () => {
  it('keeps the contracts exports others call', () => {
    for (const name of ['validateContracts', 'validateWithConfig', 'loadConfigFile', 'loadProfile', 'chooseConfig', 'listProfiles', 'ruleCatalogue', 'proposalContentHash', 'loadContractFile', 'parseContractText', 'locatePointer', 'collectContractFiles', 'DOCUMENT_RULES']) {
      expect(contracts, name).toHaveProperty(name);
    }
  });

  it('keeps the report renderers', () => {
    for (const name of ['renderText', 'renderJson', 'renderGithub', 'renderSarif']) expect(report, name).toHaveProperty(name);
  });

  it('rule ids are unique and codes UPPER_SNAKE, in every profile', () => {
    const profiles = contracts.listProfiles().map((name) => contracts.ruleCatalogue(contracts.loadProfile(name, '.').config));
    const rules = [...profiles.flat(), ...contracts.DOCUMENT_RULES];
    for (const catalogue of profiles) expect(new Set(catalogue.map((r) => r.id)).size).toBe(catalogue.length);
    for (const rule of rules) {
      expect(rule.id).toMatch(/^[a-z]+([.-][a-z-]+)*$/);
      expect(rule.code).toMatch(/^[A-Z][A-Z0-9_]+$/);
    }
  });
});
