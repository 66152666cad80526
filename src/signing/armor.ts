/**
 * Strict reading and canonical writing of a detached OpenPGP signature: ASCII armor
 * (RFC 4880 section 6) and packet framing (RFC 4880 section 4.2). We parse this ourselves
 * rather than through OpenPGP.js's lenient unarmor so that every malformed input gets its own
 * reason code and so that the bytes we verify are exactly the packet the signer produced.
 */
import { SigningCode } from './codes.js';

/** A detached signature is a few hundred bytes (RSA 4096: ~600); anything near this is hostile. */
export const MAX_SIGNATURE_BYTES = 64 * 1024;

const BEGIN = '-----BEGIN PGP SIGNATURE-----';
const END = '-----END PGP SIGNATURE-----';
const ANY_BEGIN = /^-----BEGIN PGP [A-Z0-9 ,/]+-----$/;
const ARMOR_HEADER = /^[A-Za-z][A-Za-z0-9-]*: .*$/;
const BASE64_LINE = /^[A-Za-z0-9+/]+={0,2}$/;
const CHECKSUM_LINE = /^=([A-Za-z0-9+/]{4})$/;
const SIGNATURE_PACKET_TAG = 2;

export class SignatureFormatError extends Error {
  constructor(readonly code: SigningCode, message: string) {
    super(message);
    this.name = 'SignatureFormatError';
  }
}

/** The one signature packet of a detached signature file, as bytes, with its version and type. */
export interface FramedSignature {
  /** The complete packet (header and body), exactly as received. */
  packet: Uint8Array;
  version: number;
  signatureType: number | undefined;
}

/** Armored or binary input to the bytes of exactly one signature packet. */
export function readSignatureBytes(input: Uint8Array | string): FramedSignature {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  if (bytes.length === 0) throw new SignatureFormatError(SigningCode.SIGNATURE_EMPTY, 'the signature is empty');
  if (bytes.length > MAX_SIGNATURE_BYTES) {
    throw new SignatureFormatError(
      SigningCode.SIGNATURE_TOO_LARGE,
      `the signature is ${bytes.length} bytes, more than the ${MAX_SIGNATURE_BYTES} a detached signature can need`,
    );
  }
  const binary = looksArmored(bytes) ? dearmor(bytes) : bytes;
  return frameSinglePacket(binary);
}

function looksArmored(bytes: Uint8Array): boolean {
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i += 1;
  return bytes[i] === 0x2d; // '-'
}

function dearmor(bytes: Uint8Array): Uint8Array {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new SignatureFormatError(SigningCode.SIGNATURE_ARMOR_INVALID, 'the armored signature is not valid UTF-8 text');
  }
  const lines = text.split(/\r?\n/).map((line) => line.replace(/[ \t]+$/, ''));
  let i = 0;
  while (i < lines.length && lines[i] === '') i += 1;
  const first = lines[i] ?? '';
  if (first !== BEGIN) {
    if (ANY_BEGIN.test(first)) {
      throw new SignatureFormatError(SigningCode.SIGNATURE_ARMOR_WRONG_TYPE, `expected "${BEGIN}", found "${first}"`);
    }
    throw new SignatureFormatError(SigningCode.SIGNATURE_NOT_OPENPGP, 'the input is neither an armored nor a binary OpenPGP signature');
  }
  i += 1;
  // Armor headers (Version:, Comment:, ...) end at the first blank line (RFC 4880 section 6.2).
  while (i < lines.length && lines[i] !== '') {
    if (!ARMOR_HEADER.test(lines[i] ?? '')) {
      throw new SignatureFormatError(SigningCode.SIGNATURE_ARMOR_INVALID, `armor line ${i + 1} is neither a header nor the blank line after the headers`);
    }
    i += 1;
  }
  if (i >= lines.length) throw truncated();
  i += 1;
  let base64 = '';
  let checksum: string | undefined;
  for (;;) {
    const line = lines[i];
    if (line === undefined || (line === '' && lines.slice(i).every((rest) => rest === ''))) throw truncated();
    if (line === END) break;
    const check = CHECKSUM_LINE.exec(line);
    if (check !== null && checksum === undefined) {
      checksum = check[1];
    } else if (checksum === undefined && BASE64_LINE.test(line) && !base64.includes('=')) {
      base64 += line;
    } else if (line.startsWith('-----')) {
      throw truncated();
    } else {
      throw new SignatureFormatError(SigningCode.SIGNATURE_ARMOR_INVALID, `armor line ${i + 1} is not base64`);
    }
    i += 1;
  }
  for (const rest of lines.slice(i + 1)) {
    if (rest !== '') throw new SignatureFormatError(SigningCode.SIGNATURE_ARMOR_INVALID, 'there is text after the end of the armored signature');
  }
  const binary = decodeBase64Strict(base64);
  if (checksum !== undefined && encodeCrc24(crc24(binary)) !== checksum) {
    throw new SignatureFormatError(SigningCode.SIGNATURE_ARMOR_CHECKSUM, 'the armor checksum does not match its content (damaged in transit?)');
  }
  return binary;
}

function truncated(): SignatureFormatError {
  return new SignatureFormatError(SigningCode.SIGNATURE_ARMOR_TRUNCATED, `the armored signature is truncated: "${END}" is missing`);
}

function decodeBase64Strict(text: string): Uint8Array {
  if (text.length === 0 || text.length % 4 === 1) {
    throw new SignatureFormatError(SigningCode.SIGNATURE_ARMOR_INVALID, 'the armored signature has no valid base64 body');
  }
  const decoded = Buffer.from(text, 'base64');
  // Reject non-canonical encodings (stray bits in the last group), so one signature has one armor.
  if (decoded.toString('base64').replace(/=+$/, '') !== text.replace(/=+$/, '')) {
    throw new SignatureFormatError(SigningCode.SIGNATURE_ARMOR_INVALID, 'the armored signature is not canonical base64');
  }
  return new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.length);
}

/** CRC-24 of RFC 4880 section 6.1. */
export function crc24(data: Uint8Array): number {
  let crc = 0xb704ce;
  for (const byte of data) {
    crc ^= byte << 16;
    for (let bit = 0; bit < 8; bit += 1) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
  }
  return crc & 0xffffff;
}

function encodeCrc24(crc: number): string {
  return Buffer.from([(crc >> 16) & 0xff, (crc >> 8) & 0xff, crc & 0xff]).toString('base64');
}

/** RFC 4880 section 4.2: old and new packet headers; partial and indeterminate lengths are refused. */
function frameSinglePacket(binary: Uint8Array): FramedSignature {
  const malformed = (why: string): SignatureFormatError =>
    new SignatureFormatError(SigningCode.SIGNATURE_PACKET_MALFORMED, `the signature packet is malformed: ${why}`);
  const ctb = binary[0];
  if (ctb === undefined || (ctb & 0x80) === 0) {
    throw new SignatureFormatError(SigningCode.SIGNATURE_NOT_OPENPGP, 'the input is neither an armored nor a binary OpenPGP signature');
  }
  let tag: number;
  let headerLength: number;
  let bodyLength: number;
  const byteAt = (i: number): number => {
    const value = binary[i];
    if (value === undefined) throw malformed('the header is cut off');
    return value;
  };
  if ((ctb & 0x40) === 0) {
    tag = (ctb >> 2) & 0x0f;
    const lengthType = ctb & 0x03;
    if (lengthType === 3) throw malformed('indeterminate length');
    const size = [1, 2, 4][lengthType] as number;
    bodyLength = 0;
    for (let k = 1; k <= size; k += 1) bodyLength = bodyLength * 256 + byteAt(k);
    headerLength = 1 + size;
  } else {
    tag = ctb & 0x3f;
    const first = byteAt(1);
    if (first < 192) {
      bodyLength = first;
      headerLength = 2;
    } else if (first < 224) {
      bodyLength = ((first - 192) << 8) + byteAt(2) + 192;
      headerLength = 3;
    } else if (first === 255) {
      bodyLength = byteAt(2) * 0x1000000 + byteAt(3) * 0x10000 + byteAt(4) * 0x100 + byteAt(5);
      headerLength = 6;
    } else {
      throw malformed('partial body lengths are not allowed in a signature');
    }
  }
  if (tag !== SIGNATURE_PACKET_TAG) {
    throw new SignatureFormatError(SigningCode.SIGNATURE_NOT_SINGLE, `the first packet is of type ${tag}, not a signature packet (type 2)`);
  }
  const end = headerLength + bodyLength;
  if (end > binary.length) throw malformed(`it claims ${bodyLength} bytes but only ${binary.length - headerLength} are present`);
  if (end < binary.length) {
    throw new SignatureFormatError(SigningCode.SIGNATURE_NOT_SINGLE, 'the input holds more than one packet; a detached signature must be exactly one signature packet');
  }
  const version = byteAt(headerLength);
  // v4 and v6 put the type right after the version; v3 after a length octet (RFC 4880 section 5.2.2).
  const signatureType = version === 3 ? binary[headerLength + 2] : binary[headerLength + 1];
  return { packet: binary, version, signatureType };
}

/** Canonical armor: no headers, 64-column base64, CRC-24, LF line ends (what gpg 2.2 writes). */
export function armorSignature(packet: Uint8Array): string {
  const base64 = Buffer.from(packet).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < base64.length; i += 64) lines.push(base64.slice(i, i + 64));
  return `${BEGIN}\n\n${lines.join('\n')}\n=${encodeCrc24(crc24(packet))}\n${END}\n`;
}
