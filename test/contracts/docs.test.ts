import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOCUMENT_RULES, loadProfile, ruleCatalogue } from '../../src/contracts/index.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

describe('docs/contracts.md', () => {
  it('documents every rule id with its code', () => {
    const docs = readFileSync(join(PROJECT_ROOT, 'docs/contracts.md'), 'utf8');
    for (const rule of [...DOCUMENT_RULES, ...ruleCatalogue(loadProfile('evidence-packet', '.').config).filter((r) => r.id !== 'trust-policy')]) expect(docs).toContain(`| \`${rule.id}\` | \`${rule.code}\` |`);
  });
});
