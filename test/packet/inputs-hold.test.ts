import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inputsHoldAtLeast } from '../../src/packet/inputs.js';
import { makeTempDir } from '../helpers/cli.js';

/** The quick count that starts a build's worker pool early: a guess, bounded, never an error. */

const temp = makeTempDir('packet-hold-');
afterAll(() => temp.cleanup());

beforeAll(() => {
  // wide: 3 folders of 10 files; deep: 10 files, one per folder, each folder inside the last.
  for (let f = 0; f < 3; f += 1) {
    mkdirSync(join(temp.path, 'wide', `d${f}`), { recursive: true });
    for (let i = 0; i < 10; i += 1) writeFileSync(join(temp.path, 'wide', `d${f}`, `f${i}.log`), 'x\n');
  }
  let deep = join(temp.path, 'deep');
  for (let i = 0; i < 10; i += 1) {
    deep = join(deep, `level${i}`);
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, 'f.log'), 'x\n');
  }
  writeFileSync(join(temp.path, 'one.log'), 'x\n');
  mkdirSync(join(temp.path, 'links'));
  for (let i = 0; i < 5; i += 1) symlinkSync(join(temp.path, 'one.log'), join(temp.path, 'links', `l${i}`));
});

describe('inputsHoldAtLeast', () => {
  it('counts the files of folders and of inputs that are files', () => {
    expect(inputsHoldAtLeast(['wide'], temp.path, 30)).toBe(true);
    expect(inputsHoldAtLeast(['wide'], temp.path, 31)).toBe(false);
    expect(inputsHoldAtLeast(['wide', 'one.log'], temp.path, 31)).toBe(true);
    expect(inputsHoldAtLeast([join(temp.path, 'one.log')], '/', 1)).toBe(true);
  });

  it('lists at most the folders it is given', () => {
    // deep: one folder for the input, then one per level: 10 files need 11 folders listed.
    expect(inputsHoldAtLeast(['deep'], temp.path, 10)).toBe(true);
    expect(inputsHoldAtLeast(['deep'], temp.path, 10, 10)).toBe(false);
    expect(inputsHoldAtLeast(['deep'], temp.path, 10, 11)).toBe(true);
  });

  it('counts links and missing inputs as nothing, and does not throw', () => {
    expect(inputsHoldAtLeast(['links'], temp.path, 1)).toBe(false);
    expect(inputsHoldAtLeast(['missing', 'one.log'], temp.path, 1)).toBe(true);
    expect(inputsHoldAtLeast(['missing'], temp.path, 1)).toBe(false);
  });
});
