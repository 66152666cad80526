import { describe, expect, it } from 'vitest';
import { fillTemplate, parseField, select, type Item } from '../../src/contracts/declared/select.js';
import { makeSource } from '../../src/contracts/index.js';

function item(value: unknown, rel = 'teams/payments/ledger.yaml'): Item {
  return { doc: { kind: 'K', source: makeSource(rel, JSON.stringify(value), value), rel, id: 'x' }, value, pointer: '' };
}

describe('field selection in declared rules', () => {
  it('escapes keys in the pointers it gives (RFC 6901), with and without wildcards', () => {
    const it1 = item({ 'a/b': 1, 'c~d': { e: 2 }, plain: 3 });
    expect(select(it1, parseField('/*')).map((hit) => hit.pointer)).toEqual(['/a~1b', '/c~0d', '/plain']);
    expect(select(it1, parseField('/c~0d/e'))).toEqual([{ value: 2, pointer: '/c~0d/e' }]);
    expect(select(it1, parseField('/a~1b'))).toEqual([{ value: 1, pointer: '/a~1b' }]);
  });

  it('[key=value] picks the array elements whose field has that value', () => {
    const it1 = item({ endpoints: [{ name: 'db', consumer: 'database' }, { name: 'cache', consumer: 'cache' }, { name: 'db', consumer: 'other' }] });
    const hits = select(it1, parseField('/endpoints/[name=db]/consumer'));
    expect(hits).toEqual([
      { value: 'database', pointer: '/endpoints/0/consumer' },
      { value: 'other', pointer: '/endpoints/2/consumer' },
    ]);
    expect(select(it1, parseField('/endpoints/[name=none]/consumer'))).toEqual([]);
  });

  it('fills templates from fields and path parts, and gives nothing when a placeholder has no value', () => {
    const it1 = item({ team: 'payments', nested: { n: 3 } });
    expect(fillTemplate('{/team}/{$dir}/{$stem}/{$dir:2}/{/nested/n}', it1)).toBe('payments/payments/ledger/teams/3');
    expect(fillTemplate('{/missing}', it1)).toBeUndefined();
    expect(fillTemplate('{/nested}', it1)).toBeUndefined();
  });

  it('keeps text around placeholders as written, braces without a name included', () => {
    const it1 = item({ team: 'payments' });
    expect(fillTemplate('{}{{ /team }}-{$value}', it1, { value: 'v' })).toBe('{}{payments}-v');
    expect(fillTemplate('no placeholder', it1)).toBe('no placeholder');
    expect(fillTemplate('', it1)).toBe('');
  });

  it('reads list indices only as canonical numbers in range, and [key=value] on a mapping as a plain key', () => {
    const it1 = item({ list: ['a', 'b'], map: { '[name=db]': 'key', '0': 'zero' }, '01': 'x' });
    expect(select(it1, parseField('/list/1'))).toEqual([{ value: 'b', pointer: '/list/1' }]);
    expect(select(it1, parseField('/list/01'))).toEqual([]);
    expect(select(it1, parseField('/list/2'))).toEqual([]);
    expect(select(it1, parseField('/list/-1'))).toEqual([]);
    expect(select(it1, parseField('/map/0'))).toEqual([{ value: 'zero', pointer: '/map/0' }]);
    expect(select(it1, parseField('/01'))).toEqual([{ value: 'x', pointer: '/01' }]);
    expect(select(it1, parseField('/map/[name=db]'))).toEqual([{ value: 'key', pointer: '/map/[name=db]' }]);
    expect(select(it1, parseField('$doc/list/*'))).toEqual([{ value: 'a', pointer: '/list/0' }, { value: 'b', pointer: '/list/1' }]);
  });

  it('never reads inherited properties', () => {
    const it1 = item({});
    expect(select(it1, parseField('/constructor'))).toEqual([]);
    expect(select(it1, parseField('/__proto__'))).toEqual([]);
  });
});
