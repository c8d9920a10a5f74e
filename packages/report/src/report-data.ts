/**
 * What an experiment report draws. The runner (packages/lab, `cdn-lab run`) fills it; the
 * renderer draws it; the CSV is the same series, one row per sample per series.
 */

/** The charts of a report, in the order they appear. */
export const CHART_KINDS = [
  'latency',
  'requests',
  'errors',
  'hitRatio',
  'originFetches',
  'states',
] as const;
export type ChartKind = (typeof CHART_KINDS)[number];

/**
 * One line of one chart: a value per sample (null: nothing to show in that interval).
 * Names, by chart:
 * - latency: `p50 all`, `p99 all`, and with regions `p50 <region>`, `p99 <region>` (ms, of the
 *   downloads that finished in the interval);
 * - requests: one per edge replica, its name (`replica-2`, `replica-eu-1`): verified downloads
 *   per second that replica completed in the interval (drawn stacked);
 * - errors: `error <code>` (failed downloads per second) and `failover <cause>` (failovers per
 *   second, by the client's failure code of the replica it left);
 * - hitRatio: one per tier (`edge`, `shield`): hits ÷ (hits + misses) in the interval, 0..1;
 * - originFetches: `origin fetches`, cumulative since the load started;
 * - states: one per replica, shields included, its name: a `ReplicaState` code per sample.
 */
export interface SeriesData {
  chart: ChartKind;
  name: string;
  values: (number | null)[];
}

/** The `states` chart's values. */
export const REPLICA_STATES = ['absent', 'up', 'draining', 'down'] as const;
export type ReplicaState = (typeof REPLICA_STATES)[number];
/** The code a state has in a `states` series: its index in REPLICA_STATES. */
export function stateCode(state: ReplicaState): number {
  return REPLICA_STATES.indexOf(state);
}

/** A timeline step, drawn as a vertical marker on every chart. */
export interface TimelineMarker {
  /** Seconds since the load started, when the step was carried out. */
  t: number;
  /** The step as the scenario says it, e.g. `kill replica-2`, `fault replica-3 delayMs=80`. */
  label: string;
  /** False when the step failed (its label then says why). */
  ok: boolean;
}

/** One run of the scenario: the whole report when not comparing, one value of `--compare` when comparing. */
export interface VariantData {
  /** The scenario's name, or the compared field and value: `strategy=p2c-ewma`. */
  label: string;
  /** Seconds since the load started, one per sample, rising. */
  times: number[];
  /** Every series has one value per entry of `times`. */
  series: SeriesData[];
  markers: TimelineMarker[];
  /**
   * The summary table's row for this variant, columns in order (e.g. requests, failed, p99 ms);
   * null where there is nothing to show (a p99 of no requests), drawn as "–".
   */
  summary: Record<string, number | string | null>;
}

export interface ExperimentReportData {
  title: string;
  description: string;
  /** The scenario file exactly as given. */
  scenarioText: string;
  /** ISO time the run started. */
  createdAt: string;
  /** The field compared (`strategy`), or null for a single run. */
  compared: string | null;
  /** the --set overrides in force, as typed */
  overrides: string[];
  variants: VariantData[];
}
