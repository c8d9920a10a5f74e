import type { ReplicaState } from '@cdn-lab/report';

/** What the runner itself knows of a role at a sample. */
export type RunnerKnowledge =
  /** Not started yet, or removed (scaled down): not part of the lab now. */
  | 'absent'
  /** Its process runs. */
  | 'running'
  /** Its process is gone but it is still listed (killed, termed, region down). */
  | 'stopped';

/** A role's row in the balancer's /status, when it has one. */
export interface BalancerRow {
  state: 'unknown' | 'up' | 'down' | 'draining';
  adminDrained: boolean;
}

/**
 * A role's state in the report: what the runner did decides absent and down at once (the
 * balancer notices a killed replica only after its probes fail); otherwise the balancer's view,
 * where an admin drain counts as draining and a replica not probed yet as absent.
 */
export function roleState(known: RunnerKnowledge, row: BalancerRow | undefined): ReplicaState {
  if (known === 'absent') return 'absent';
  if (known === 'stopped') return 'down';
  if (!row || row.state === 'unknown') return 'absent';
  if (row.state === 'draining' || row.adminDrained) return 'draining';
  return row.state;
}
