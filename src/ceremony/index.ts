/** The signing ceremony as a workflow over packets: sign, attach, time-stamp. */
export { signPacket, readIntact, type Signer, type SignPacketResult } from './sign.js';
export { attachSignature, type AttachOptions, type AttachResult } from './attach.js';
export { timestampPacket, type TimestampPacketOptions, type TimestampPacketResult } from './timestamp.js';
export { unsignPacket, type UnsignResult } from './unsign.js';
