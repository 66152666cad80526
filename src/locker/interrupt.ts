/**
 * Work to undo if the command is interrupted (SIGINT, SIGTERM): temporary files to remove, a
 * multipart upload to abort. Operations register what they leave half-done while it is half-done;
 * the CLI runs the registered clean-ups before it exits 130 or 143.
 */
const pending = new Set<() => Promise<void>>();

/** Register a clean-up; call the returned function once the work is complete or undone. */
export function onInterrupt(cleanup: () => Promise<void>): () => void {
  pending.add(cleanup);
  return () => pending.delete(cleanup);
}

/** Run every registered clean-up (each at most once), ignoring their failures. */
export async function runInterruptCleanups(): Promise<void> {
  const all = [...pending];
  pending.clear();
  await Promise.all(all.map((cleanup) => cleanup().catch(() => undefined)));
}
