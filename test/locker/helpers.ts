import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPacket } from '../../src/packet/build.js';

export interface MadePacket {
  file: string;
  digest: string;
}

/** A small real packet (built by the library, unsigned) with the given labels. */
export async function makePacket(dir: string, name: string, labels: { tenant?: string; environment?: string; operation?: string; created?: string; body?: string } = {}): Promise<MadePacket> {
  const input = join(dir, `${name}-input`);
  mkdirSync(input, { recursive: true });
  writeFileSync(join(input, 'plan.txt'), labels.body ?? `change ${name}: resize the queue\n`);
  const file = join(dir, `${name}.packet.tar`);
  const built = await buildPacket({
    inputs: [input],
    out: file,
    name,
    created: new Date(labels.created ?? '2026-03-01T10:00:00Z'),
    cwd: dir,
    ...(labels.tenant === undefined ? {} : { tenant: labels.tenant }),
    ...(labels.environment === undefined ? {} : { environment: labels.environment }),
    ...(labels.operation === undefined ? {} : { operation: labels.operation }),
  });
  return { file, digest: built.digest };
}

export const NOW = new Date('2026-04-01T12:00:00Z');

/** A push progress callback that, the first time it is called, changes `file`'s modification time (as an edit would). */
export function touchOnFirstProgress(file: string): { onProgress: () => void; touched: () => boolean } {
  let touched = false;
  return {
    onProgress: () => {
      if (touched) return;
      touched = true;
      utimesSync(file, new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));
    },
    touched: () => touched,
  };
}
