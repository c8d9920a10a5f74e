import { NO_ROUTABLE, routableOf, type ReplicaView, type Strategy } from './types.js';

/** Each decision starts one replica further along the list of routable replicas. */
export const roundRobin: Strategy = (replicas, request, ctx) => {
  const up = routableOf(replicas);
  if (up.length === 0) return NO_ROUTABLE;
  const start = ctx.sequence % up.length;
  const count = Math.min(request.wanted ?? up.length, up.length);
  const ordered: ReplicaView[] = [];
  for (let turn = 0; turn < count; turn += 1) {
    ordered.push(up[(start + turn) % up.length] as ReplicaView);
  }
  return { ordered, reason: `turn ${start + 1} of ${up.length} up replicas` };
};
