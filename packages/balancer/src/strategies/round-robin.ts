import { NO_ROUTABLE, routableOf, type Strategy } from './types.js';

/** Each decision starts one replica further along the list of routable replicas. */
export const roundRobin: Strategy = (replicas, _request, ctx) => {
  const up = routableOf(replicas);
  if (up.length === 0) return NO_ROUTABLE;
  const start = ctx.sequence % up.length;
  const ordered = [...up.slice(start), ...up.slice(0, start)];
  return { ordered, reason: `turn ${start + 1} of ${up.length} up replicas` };
};
