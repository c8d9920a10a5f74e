import type { BenchRowData } from '@cdn-lab/report';

/**
 * One line of a benchmark's table: our number, the peer's, their ratio and the goal. The same
 * shape bench/report.html draws (the report package owns it, as it may import nothing of ours).
 */
export type ResultRow = BenchRowData;

export interface BenchResult {
  id: string;
  title: string;
  runs: number;
  rows: ResultRow[];
  /** The commands or settings that produced the numbers, for RESULTS.md. */
  commands: string[];
  notes: string[];
}

export interface BenchSettings {
  /** Tiny sizes, a few seconds: for the test suite. */
  smoke: boolean;
  /** Repetitions whose median is reported (at least 3 in a full run). */
  runs: number;
  /** Where temporary files go. */
  tmpDir: string;
}

export interface Benchmark {
  id: string;
  title: string;
  run(settings: BenchSettings): Promise<BenchResult>;
}
