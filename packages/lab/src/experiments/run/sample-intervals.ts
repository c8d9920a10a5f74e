/**
 * The sampler's clock: sample k (from 1) closes the interval ((k-1)·sampleMs, k·sampleMs] after
 * the load started; the last sample closes the partial interval at the load's end.
 */

/** The interval (from 0) of a moment `ms` after the load started; 0 ms counts in the first. */
export function intervalOf(ms: number, sampleMs: number): number {
  return Math.max(0, Math.ceil(ms / sampleMs) - 1);
}

/** How many samples a load that lasted `endMs` has: one per whole interval and the partial one. */
export function sampleCount(endMs: number, sampleMs: number): number {
  return Math.max(1, Math.ceil(endMs / sampleMs));
}

/** Each sample's time (seconds since the load started, to the ms): k·sampleMs, the last one at the end. */
export function sampleTimes(endMs: number, sampleMs: number): number[] {
  const count = sampleCount(endMs, sampleMs);
  return Array.from(
    { length: count },
    (_, i) => Math.round(Math.min((i + 1) * sampleMs, endMs)) / 1000,
  );
}

/** The length in seconds of each sample's interval. */
export function intervalSeconds(times: readonly number[]): number[] {
  return times.map((t, i) => t - (i === 0 ? 0 : (times[i - 1] ?? 0)));
}
