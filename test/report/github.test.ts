import { describe, expect, it } from 'vitest';
import { fail, makeReport, pass, warn } from '../../src/core/result.js';
import { escapeData, escapeProperty, renderGithub } from '../../src/report/index.js';

const report = makeReport({
  command: 'verify',
  subject: 'x.packet.tar',
  evaluatedAt: '2026-11-23T12:00:00Z',
  checks: [
    pass('manifest.format', 'fine'),
    fail('binding.tenant-exists', 'TENANT_NOT_FOUND', 'tenant "a,b" is 100% missing\nreally', {
      location: { file: 'contracts/a:b,c.yaml', line: 4, column: 9, endLine: 4, endColumn: 13 },
      hint: 'add it',
    }),
    warn('capacity.reserved-within-limits', 'SOFT_LIMIT_EXCEEDED', 'over soft', { location: { file: 'c.yaml', line: 2 } }),
    fail('signature.count', 'TOO_FEW', 'no location'),
  ],
});

describe('GitHub workflow command renderer', () => {
  const lines = renderGithub(report).trimEnd().split('\n');

  it('prints one annotation per problem, none for passing checks, then the verdict', () => {
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^::error /);
    expect(lines[1]).toMatch(/^::warning /);
    expect(lines[2]).toMatch(/^::error title=signature\.count \[TOO_FEW\]::no location$/);
    expect(lines[3]).toMatch(/^packet verify: FAIL/);
  });

  it('escapes properties and data as the Actions toolkit does', () => {
    expect(lines[0]).toBe(
      '::error file=contracts/a%3Ab%2Cc.yaml,line=4,endLine=4,col=9,endColumn=13,title=binding.tenant-exists [TENANT_NOT_FOUND]::' +
        'tenant "a,b" is 100%25 missing%0Areally%0Ahint: add it',
    );
    expect(escapeData('a%\r\nb')).toBe('a%25%0D%0Ab');
    expect(escapeProperty('a:b,c%')).toBe('a%3Ab%2Cc%25');
  });

  it('no raw newline can start a forged command', () => {
    const forged = makeReport({
      command: 'validate',
      subject: 's',
      evaluatedAt: '2026-11-23T12:00:00Z',
      checks: [fail('x', 'Y', 'ok\n::error file=evil::forged', { location: { file: 'f\n::warning::x' } })],
    });
    const out = renderGithub(forged).trimEnd().split('\n');
    expect(out).toHaveLength(2);
    expect(out.filter((line) => line.startsWith('::'))).toHaveLength(1);
  });
});
