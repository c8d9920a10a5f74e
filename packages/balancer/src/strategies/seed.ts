import { firstIndices } from './top-k.js';
import { NO_ROUTABLE, fmt, routableOf, type ReplicaView, type Strategy } from './types.js';

/** The original project's score: lower is better. */
export function seedScore(replica: ReplicaView): number {
  return 0.75 * replica.lossPercent + 0.25 * replica.rttEwmaMs;
}

/** Kept for comparison with the original: 0.75 × loss% + 0.25 × RTT (ms), lowest wins. */
export const seed: Strategy = (replicas, request) => {
  const up = routableOf(replicas);
  const scores = up.map(seedScore);
  const ordered = firstIndices(
    up.length,
    request.wanted ?? up.length,
    (a, b) => (scores[a] as number) - (scores[b] as number),
  ).map((index) => up[index] as ReplicaView);
  const best = ordered[0];
  if (!best) return NO_ROUTABLE;
  return {
    ordered,
    reason:
      `lowest score ${fmt(seedScore(best))} = 0.75 × loss ${fmt(best.lossPercent)}% ` +
      `+ 0.25 × rtt ${fmt(best.rttEwmaMs)} ms`,
  };
};
