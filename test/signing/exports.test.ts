import { expect, test } from 'vitest';
import * as signing from '../../src/signing/index.js';
import * as trust from '../../src/trust/index.js';

// The deliberate public surface other modules (packet, verify, cli) build on.
test('signing and trust export their API', () => {
  for (const name of ['verifyDetachedSignature', 'normalizeSignature', 'signWithKeyFile', 'signWithGpg', 'checkSignatureFileName', 'checkKeyFileName', 'normalizeFingerprint', 'readPublicKey']) {
    expect(typeof (signing as Record<string, unknown>)[name], name).toBe('function');
  }
  for (const name of ['loadTrustPolicy', 'validateTrustPolicyFile', 'evaluateDualControl', 'findSigner', 'matchRolesToPeople']) {
    expect(typeof (trust as Record<string, unknown>)[name], name).toBe('function');
  }
  expect(signing.DEFAULT_MAX_SKEW_MS).toBe(5 * 60 * 1000);
});
