/**
 * A detached signature as received (armored or binary) to one parsed, rule-checked v4
 * binary-document signature packet, plus its canonical armor for storage.
 */
import * as openpgp from 'openpgp';
import { inputError } from '../core/errors.js';
import { armorSignature, readSignatureBytes, SignatureFormatError } from './armor.js';
import { SigningCode } from './codes.js';
import { errorText, upperHex } from './keys.js';

export interface ParsedSignature {
  packet: openpgp.SignaturePacket;
  /** The packet bytes exactly as received; what the canonical armor encodes. */
  binary: Uint8Array;
  armored: string;
  issuerFingerprints: string[];
  issuerKeyIds: string[];
}

export interface NormalizedSignature {
  /** Canonical armor of the exact packet received (what `signatures/<FPR>.asc` stores). */
  armored: string;
  /** Issuer fingerprint subpackets (RFC 4880bis section 5.2.3.28), upper-case hex. */
  issuerFingerprints: string[];
  /** Issuer key id subpackets (RFC 4880 section 5.2.3.5), 16 upper-case hex. */
  issuerKeyIds: string[];
}

const STRICT_PARSING: Partial<openpgp.Config> = {
  ignoreUnsupportedPackets: false,
  ignoreMalformedPackets: false,
};

/** Parse and check a detached signature; throws SignatureFormatError with a reason code. */
export async function parseDetachedSignature(input: Uint8Array | string): Promise<ParsedSignature> {
  const framed = readSignatureBytes(input);
  if (framed.version !== 4) {
    throw new SignatureFormatError(SigningCode.SIGNATURE_VERSION_UNSUPPORTED, `v${framed.version} signatures are not supported; GnuPG 2.2 interoperates with v4 only`);
  }
  // RFC 4880 section 5.2.1: 0x00 is a signature of a binary document.
  if (framed.signatureType !== openpgp.enums.signature.binary) {
    throw new SignatureFormatError(
      SigningCode.SIGNATURE_TYPE_NOT_BINARY,
      `the signature has type 0x${(framed.signatureType ?? 0).toString(16).padStart(2, '0')}; a detached binary-document signature (0x00) is required`,
    );
  }
  let signature: openpgp.Signature;
  try {
    signature = await openpgp.readSignature({ binarySignature: framed.packet, config: STRICT_PARSING });
  } catch (error) {
    throw new SignatureFormatError(SigningCode.SIGNATURE_PACKET_MALFORMED, `the signature packet cannot be parsed (${errorText(error)})`);
  }
  const packets = signature.packets;
  const packet = packets[0];
  if (packets.length !== 1 || !(packet instanceof openpgp.SignaturePacket)) {
    throw new SignatureFormatError(SigningCode.SIGNATURE_NOT_SINGLE, 'a detached signature must be exactly one signature packet');
  }
  const issuerFingerprints = packet.issuerFingerprint ? [upperHex(packet.issuerFingerprint)] : [];
  const keyIdHex = packet.issuerKeyID ? packet.issuerKeyID.toHex().toUpperCase() : '';
  const issuerKeyIds = /^[0-9A-F]{16}$/.test(keyIdHex) && !/^0+$/.test(keyIdHex) ? [keyIdHex] : [];
  if (issuerFingerprints.length === 0 && issuerKeyIds.length === 0) {
    throw new SignatureFormatError(SigningCode.SIGNATURE_NO_ISSUER, 'the signature names no issuer key');
  }
  return { packet, binary: framed.packet, armored: armorSignature(framed.packet), issuerFingerprints, issuerKeyIds };
}

/**
 * For `packet attach`: accept an armored or binary detached signature and return its canonical
 * armor and issuers. Throws an input PacketError with the reason code when it is not exactly one
 * v4 binary-document signature packet.
 */
export async function normalizeSignature(bytes: Uint8Array | string): Promise<NormalizedSignature> {
  try {
    const parsed = await parseDetachedSignature(bytes);
    return { armored: parsed.armored, issuerFingerprints: parsed.issuerFingerprints, issuerKeyIds: parsed.issuerKeyIds };
  } catch (error) {
    if (error instanceof SignatureFormatError) {
      throw inputError(error.code, error.message, { hint: 'give the file written by `gpg --detach-sign [--armor]` over manifest.sha256' });
    }
    throw error;
  }
}
