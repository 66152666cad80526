import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import jsyaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { loadContractFileSync, parseContractText } from '../../src/contracts/index.js';
import { makeTempDir } from '../helpers/cli.js';

// Well-formed documents take fast paths (JSON.parse for plain JSON, js-yaml for the rest); they
// must give what YAML gives, and anything with anchors must still take the careful path.
function parsed(text: string): unknown {
  const result = parseContractText('doc.yml', Buffer.from(text));
  return result.ok ? result.source.value : { problem: result.problem.code };
}

const key = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', 'a', 'b', 'kind', '0', 'true', 'null', '1e3'));
const leaf = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom('yes', 'no', '~', '0x1F', '1_000', '2026-12-01', '.inf', 'null', '# x', 'a: b', '- c', '&a', '*a', '\\u0041', '\t', 'é', '\u0085'),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(-0, 1e21, 12345678901234567890, 0.1, 5e-324),
  fc.boolean(),
  fc.constant(null),
);
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('tree'), { maxLength: 4 }), fc.dictionary(key, tie('tree'), { maxKeys: 4 })),
}));

describe('YAML files written as JSON', () => {
  it('give the value js-yaml gives for the same text, compact or indented', () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(tree, { maxLength: 3 }), fc.dictionary(key, tree, { maxKeys: 4 })), fc.constantFrom(0, 2, '\t'), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        expect(parsed(text)).toEqual(jsyaml.load(text, { schema: jsyaml.CORE_SCHEMA }));
      }),
      { numRuns: 500 },
    );
  });

  it('still refuse a repeated key, written plainly or escaped', () => {
    expect(parsed('{"a": 1, "a": 2}\n')).toEqual({ problem: 'DUPLICATE_KEY' });
    expect(parsed('{"a": 1, "\\u0061": 2}\n')).toEqual({ problem: 'DUPLICATE_KEY' });
    expect(parsed('{"n": {"b": [1, {"b": 2, "b": 3}]}}\n')).toEqual({ problem: 'DUPLICATE_KEY' });
  });

  it('read deep nesting and long numbers as YAML does', () => {
    const deep = `${'['.repeat(100)}1${']'.repeat(100)}`;
    let expected: unknown = 1;
    for (let level = 0; level < 100; level += 1) expected = [expected];
    expect(parsed(deep)).toEqual(expected);
    expect(parsed('{"n": 123456789012345678901234567890}')).toEqual(jsyaml.load('{"n": 123456789012345678901234567890}', { schema: jsyaml.CORE_SCHEMA }));
  });
});

describe('YAML files that look as if they held anchors or aliases', () => {
  it('read `&&` and `*` inside quoted text as text', () => {
    expect(parsed("expr: 'a && b'\nglob: \"x *y\"\nlist: ['&c']\n")).toEqual({ expr: 'a && b', glob: 'x *y', list: ['&c'] });
  });

  it('still bound aliases, to scalars as to collections', () => {
    const scalars = `base: &v x\nitems: [${Array.from({ length: 150 }, () => '*v').join(', ')}]\n`;
    expect(parsed(scalars)).toEqual({ problem: 'ALIAS_LIMIT' });
    expect(parsed('a: &x [1, 2]\nb: *x\n')).toEqual({ a: [1, 2], b: [1, 2] });
  });
});

describe('reading contract files', () => {
  it('reads small and large files whole, and names the size of one over the limit', () => {
    const temp = makeTempDir('packet-read-');
    try {
      const small = join(temp.path, 'small.yaml');
      writeFileSync(small, 'a: 1\n');
      const large = join(temp.path, 'large.yaml');
      const lines = Array.from({ length: 20_000 }, (_, index) => `k${index}: ${'v'.repeat(20)}`);
      writeFileSync(large, `${lines.join('\n')}\n`);
      const value = (result: ReturnType<typeof loadContractFileSync>) => (result.ok ? result.source.value : result.problem);
      expect(value(loadContractFileSync(small))).toEqual({ a: 1 });
      const read = value(loadContractFileSync(large)) as Record<string, string>;
      expect(Object.keys(read)).toHaveLength(20_000);
      expect(read.k19999).toBe('v'.repeat(20));
      expect(value(loadContractFileSync(small, 3))).toMatchObject({ code: 'FILE_TOO_LARGE', message: 'file is 5 bytes, more than the limit of 3 bytes for a contract' });
      expect(value(loadContractFileSync(large, 100_000))).toMatchObject({ code: 'FILE_TOO_LARGE', message: `file is ${lines.join('\n').length + 1} bytes, more than the limit of 100000 bytes for a contract` });
      expect(value(loadContractFileSync(join(temp.path, 'missing.yaml')))).toMatchObject({ code: 'FILE_UNREADABLE' });
    } finally {
      temp.cleanup();
    }
  });
});
