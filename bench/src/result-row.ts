import type { ResultRow } from './types.js';

/** A table line; the ratio is ours ÷ peer when there is a peer (or a reference) above 0. */
export function resultRow(
  metric: string,
  unit: string,
  ours: number,
  peer: number | null,
  peerName: string | null,
  goal: string,
  met: boolean | null,
): ResultRow {
  return {
    metric,
    unit,
    ours,
    peer,
    peerName: peer === null ? null : peerName,
    ratio: peer !== null && peer > 0 ? ours / peer : null,
    goal,
    met,
  };
}

/** A count of failed downloads whose goal is none. */
export function noFailuresRow(metric: string, failed: number): ResultRow {
  return resultRow(metric, 'failed', failed, null, null, '0 failed', failed === 0);
}
