export { verifyPacket, type VerifyOptions, type VerifyOutcome } from './verify.js';
