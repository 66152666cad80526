/**
 * Setting lock state and proving it took: every write is followed by a read-back, because some
 * stores accept lock headers and silently drop them (radosgw 16.2 on multipart uploads).
 */
import { formatRfc3339 } from '../core/time.js';
import { inputError } from '../core/errors.js';
import type { LockerBackend, LockRequest, LockState } from './backend.js';

/** Set retention (when it is not already at least as strong) and legal hold, then read both back. */
export async function lockAndConfirm(backend: LockerBackend, key: string, wanted: LockRequest): Promise<LockState> {
  const before = await backend.getLock(key);
  if (!covers(before, wanted)) await backend.setRetention(key, wanted.mode, wanted.retainUntil);
  if (before.legalHold !== wanted.legalHold && wanted.legalHold) await backend.setLegalHold(key, true);
  const after = await backend.getLock(key);
  if (!covers(after, wanted) || (wanted.legalHold && !after.legalHold)) {
    throw lockNotApplied(backend, key, describeLock(wanted), describeLock(after));
  }
  return after;
}

/** Turn legal hold on or off, then read it back. */
export async function holdAndConfirm(backend: LockerBackend, key: string, on: boolean): Promise<LockState> {
  await backend.setLegalHold(key, on);
  const after = await backend.getLock(key);
  if (after.legalHold !== on) throw lockNotApplied(backend, key, `legal hold ${on ? 'ON' : 'OFF'}`, describeLock(after));
  return after;
}

/** True when `state` keeps the object at least as long, in the same mode, as `wanted` asks. */
export function covers(state: LockState, wanted: { mode: string; retainUntil: Date }): boolean {
  if (state.mode !== wanted.mode || state.retainUntil === undefined) return false;
  // Stores keep retain-until dates to the second (or coarser); allow for the rounding.
  return state.retainUntil.getTime() >= wanted.retainUntil.getTime() - 1000;
}

export function describeLock(state: Partial<LockState> & { legalHold?: boolean }): string {
  const retention = state.mode === undefined ? 'no retention' : `${state.mode} until ${state.retainUntil === undefined ? '?' : formatRfc3339(state.retainUntil)}`;
  return `${retention}, legal hold ${state.legalHold === true ? 'ON' : 'OFF'}`;
}

function lockNotApplied(backend: LockerBackend, key: string, wanted: string, found: string) {
  return inputError('LOCKER_LOCK_NOT_APPLIED', `${backend.description} did not apply the lock on ${key}: asked for ${wanted}, read back ${found}`, {
    hint: 'the store ignores Object Lock requests; do not keep evidence there until it is fixed',
  });
}
