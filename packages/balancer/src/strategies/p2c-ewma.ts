import { firstIndices } from './top-k.js';
import {
  NO_ROUTABLE,
  fmt,
  inflightEstimate,
  routableOf,
  type ReplicaView,
  type Strategy,
} from './types.js';

/**
 * Keeps a replica with a near-zero latency estimate (loopback) from costing nothing, so its
 * in-flight count still matters.
 */
const LATENCY_FLOOR_MS = 0.05;

/**
 * Probe latency plus the replica's own recent time to first byte (which sees what probes do not:
 * a slow disk, an overloaded origin, an injected delay), times the work it already has.
 */
export function p2cCost(replica: ReplicaView): number {
  const latency = replica.peakEwmaMs + (replica.load?.responseMs ?? 0);
  const inflight = inflightEstimate(replica);
  return Math.max(latency, LATENCY_FLOOR_MS) * (inflight + 1);
}

function pickIndex(random: () => number, size: number): number {
  return Math.min(size - 1, Math.floor(random() * size));
}

/**
 * Power of two choices: sample two distinct routable replicas, the one with the lower
 * peak-EWMA latency × (in-flight + 1) wins. The others follow by the same cost.
 */
export const p2cEwma: Strategy = (replicas, request, ctx) => {
  const up = routableOf(replicas);
  const only = up[0];
  if (!only) return NO_ROUTABLE;
  if (up.length === 1) return { ordered: [only], reason: 'the only up replica' };
  const first = pickIndex(ctx.random, up.length);
  let second = pickIndex(ctx.random, up.length - 1);
  if (second >= first) second += 1;
  const a = up[first] as ReplicaView;
  const b = up[second] as ReplicaView;
  const [winner, loser] = p2cCost(b) < p2cCost(a) ? [b, a] : [a, b];
  const others = up.filter((replica) => replica !== winner);
  const costs = others.map(p2cCost);
  const rest = firstIndices(
    others.length,
    (request.wanted ?? up.length) - 1,
    (x, y) => (costs[x] as number) - (costs[y] as number),
  ).map((index) => others[index] as ReplicaView);
  return {
    ordered: [winner, ...rest],
    reason:
      `sampled ${winner.id} (cost ${fmt(p2cCost(winner))}) and ${loser.id} ` +
      `(cost ${fmt(p2cCost(loser))}); cost = (peak probe latency + response ms) × (in flight + 1)`,
  };
};
