import { canonicalize } from 'json-canonicalize';
import { fail, pass, type Check } from '../core/result.js';
import { plural } from '../core/plural.js';
import { FORMAT, PACKET_JSON } from './format.js';
import type { PacketMetadata } from './metadata.js';

/**
 * packet.json, judged: valid canonical JSON (RFC 8785) of this format, and, when every file
 * checked out, describing the payload that was read. Returns the checks made and the metadata
 * when it is well formed.
 */
export function checkPacketJson(bytes: Buffer, payload: { intact: boolean; count: number; bytes: number }): { checks: Check[]; metadata?: PacketMetadata } {
  let metadata: PacketMetadata;
  try {
    metadata = JSON.parse(bytes.toString('utf8')) as PacketMetadata;
  } catch {
    return { checks: [fail('packet-json', 'PACKET_JSON_INVALID', `${PACKET_JSON} is not valid JSON`)] };
  }
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    return { checks: [fail('packet-json', 'PACKET_JSON_INVALID', `${PACKET_JSON} is not a JSON object`)] };
  }
  if (metadata.format !== FORMAT) {
    return { checks: [fail('packet-json', 'FORMAT_UNSUPPORTED', `${PACKET_JSON} declares format ${JSON.stringify(metadata.format)}; this tool reads ${FORMAT}`)] };
  }
  let canonical: string | undefined;
  try {
    canonical = canonicalize(metadata);
  } catch {
    // Nesting deep enough to exhaust the stack: no packet.json this tool writes looks like that.
    return { checks: [fail('packet-json', 'PACKET_JSON_INVALID', `${PACKET_JSON} cannot be canonicalized (nested too deeply)`)] };
  }
  if (canonical !== bytes.toString('utf8')) {
    return { checks: [fail('packet-json', 'PACKET_JSON_NOT_CANONICAL', `${PACKET_JSON} is not canonical JSON (RFC 8785)`)] };
  }
  if (!payload.intact) return { checks: [], metadata };
  const { count } = payload;
  if (metadata.files?.count !== count || metadata.files?.bytes !== payload.bytes) {
    return {
      checks: [fail('packet-json', 'PACKET_JSON_MISMATCH', `${PACKET_JSON} gives files ${metadata.files?.count} and bytes ${metadata.files?.bytes}; the packet has files ${count} and bytes ${payload.bytes}`)],
      metadata,
    };
  }
  return { checks: [pass('packet-json', `${PACKET_JSON} describes the packet (${plural(count, 'file', 'files')}, ${plural(payload.bytes, 'byte', 'bytes')})`)], metadata };
}
