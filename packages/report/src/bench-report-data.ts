/**
 * What the benchmark report draws: the same results RESULTS.md is written from (bench maps its
 * own BenchResult into this; the report package imports nothing of ours).
 */

/** One line of a benchmark's table: our median, the peer's, their ratio and the goal. */
export interface BenchRowData {
  metric: string;
  unit: string;
  ours: number;
  /** Null when the line has no peer, or the peer was skipped. */
  peer: number | null;
  peerName: string | null;
  /** ours / peer (or ours / reference for goals stated as a ratio); null without a peer. */
  ratio: number | null;
  /** The goal as RESULTS.md states it, e.g. `≥ 0.8× nginx`; empty without one. */
  goal: string;
  /** Null: no goal on this line, or it could not be judged. */
  met: boolean | null;
}

export interface BenchData {
  id: string;
  title: string;
  /** How many runs each median is of. */
  runs: number;
  rows: BenchRowData[];
}

export interface BenchReportData {
  title: string;
  /** ISO time the run finished. */
  createdAt: string;
  /** The command that produced the numbers, e.g. `npm run bench`. */
  command: string;
  /** The machine, one fact a line (cores, memory, node). */
  machine: string[];
  benchmarks: BenchData[];
}
