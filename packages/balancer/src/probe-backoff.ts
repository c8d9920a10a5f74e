/** Connection attempts that fail in a row before the prober starts waiting longer. */
export const FULL_RATE_ATTEMPTS = 4;

/**
 * How long the prober waits before connecting again after `failedInRow` attempts in a row
 * could not connect (refused, unreachable, timed out; 0 after a connection that was up closed).
 * The probe interval for the first FULL_RATE_ATTEMPTS (so a restart or a SIGKILL is seen at
 * once), then doubling from it up to `maxMs`: with 250 ms and 1 s, 250, 250, 250, 250, 500,
 * 1000, 1000 … An entry that is down for long costs a connection every `maxMs`, and a
 * replica that comes back is seen within `maxMs` + `rise` probe intervals.
 */
export function probeRetryDelayMs(failedInRow: number, intervalMs: number, maxMs: number): number {
  const beyond = failedInRow - FULL_RATE_ATTEMPTS;
  if (beyond <= 0) return intervalMs;
  return Math.max(intervalMs, Math.min(intervalMs * 2 ** beyond, maxMs));
}
