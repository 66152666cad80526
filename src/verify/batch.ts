import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Report, Verdict } from '../core/result.js';
import { MANIFEST, PACKET_JSON } from '../packet/format.js';

/**
 * Which packets a `verify PACKET...` names. A packet file, or an unpacked packet (a folder with
 * manifest.sha256 or packet.json at its top), stands for itself; any other folder stands for the
 * packets directly inside it: its `*.tar` files and its unpacked packets, in byte order of names.
 * A folder with neither is taken as a (broken) packet, so that the verifier says what is wrong.
 */
export async function expandPacketArguments(paths: readonly string[]): Promise<string[]> {
  const packets: string[] = [];
  for (const path of paths) {
    const info = await lstat(path).catch(() => undefined);
    if (info?.isDirectory() !== true || (await isUnpackedPacket(path))) {
      packets.push(path); // missing or odd paths are reported by the verifier as PACKET_NOT_FOUND
      continue;
    }
    const names = (await readdir(path).catch(() => [] as string[])).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const inside: string[] = [];
    for (const name of names) {
      const child = join(path, name);
      const childInfo = await lstat(child).catch(() => undefined);
      if (childInfo?.isFile() === true && name.endsWith('.tar')) inside.push(child);
      else if (childInfo?.isDirectory() === true && (await isUnpackedPacket(child))) inside.push(child);
    }
    if (inside.length === 0) packets.push(path);
    for (const child of inside) packets.push(child);
  }
  return packets;
}

async function isUnpackedPacket(dir: string): Promise<boolean> {
  for (const name of [MANIFEST, PACKET_JSON]) {
    if ((await lstat(join(dir, name)).catch(() => undefined)) !== undefined) return true;
  }
  return false;
}

/**
 * Worst first: a failure outweighs an incomplete packet, which outweighs an intact one (integrity
 * only), which outweighs a verified one.
 */
const SEVERITY: Record<Verdict, number> = { pass: 0, intact: 1, incomplete: 2, fail: 3 };

export interface BatchSummary {
  packets: number;
  verified: number;
  /** Integrity checked and intact (integrity-only verification). */
  intact: number;
  incomplete: number;
  failed: number;
  /** The verdict of the worst packet. */
  verdict: Verdict;
}

/** Counts one verdict at a time, so a batch holds no report longer than it takes to print it. */
export class BatchTally {
  private readonly summary: BatchSummary = { packets: 0, verified: 0, intact: 0, incomplete: 0, failed: 0, verdict: 'pass' };

  add(report: Report): void {
    const s = this.summary;
    s.packets += 1;
    if (report.verdict === 'pass') s.verified += 1;
    else if (report.verdict === 'intact') s.intact += 1;
    else if (report.verdict === 'incomplete') s.incomplete += 1;
    else s.failed += 1;
    if (SEVERITY[report.verdict] > SEVERITY[s.verdict]) s.verdict = report.verdict;
  }

  result(): BatchSummary {
    return { ...this.summary };
  }
}
