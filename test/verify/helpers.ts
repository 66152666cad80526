import { expect } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Check } from '../../src/core/result.js';
import { readPacket, type PacketLimits, DEFAULT_LIMITS } from '../../src/packet/index.js';
import { buildTar, type TarEntrySpec } from '../helpers/tar.js';
import { packetFiles } from '../packet/fixtures.js';

/** The entries of a valid packet (from its unpacked form), as crafted-tar entries in packet order. */
export function entriesOf(dir: string): TarEntrySpec[] {
  return packetFiles(dir).map(([name, content]) => ({ name, content, mtime: 1_769_860_800 }));
}

/** Write a crafted tar and return its path. */
export function writeTar(dir: string, name: string, entries: TarEntrySpec[], options: { end?: boolean } = {}): string {
  const path = join(dir, name);
  writeFileSync(path, buildTar(entries, options));
  return path;
}

/** The failed checks of a reading, as `id:code` pairs. */
export function failures(checks: Check[]): string[] {
  return checks.filter((c) => c.status === 'fail').map((c) => `${c.id}:${c.code}`);
}

export async function failureCodes(path: string, limits?: Partial<PacketLimits>): Promise<string[]> {
  const reading = await readPacket(path, limits === undefined ? {} : { limits: { ...DEFAULT_LIMITS, ...limits } });
  expect(reading.intact).toBe(reading.checks.every((c) => c.status !== 'fail'));
  return failures(reading.checks);
}
