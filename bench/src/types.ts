/** One line of a benchmark's table: our number, the peer's, their ratio and the goal. */
export interface ResultRow {
  metric: string;
  unit: string;
  ours: number;
  /** Null when the benchmark has no peer for this line, or the peer was skipped. */
  peer: number | null;
  peerName: string | null;
  /** ours / peer (or ours / reference for goals stated as a ratio); null without a peer. */
  ratio: number | null;
  goal: string;
  /** Null: no goal on this line. */
  met: boolean | null;
}

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
