/** What B10's benchmark and its balancer child (b10-balancer-child.ts) say over IPC. */
export interface B10Spec {
  serversFile: string;
  topologyFile: string;
  /** Replicas that must be up before the child says it is ready. */
  expectUp: number;
}

export interface DecisionTiming {
  p50Us: number;
  p99Us: number;
  /** Decisions that found a replica (all of them, or the timing is of no-replica answers). */
  chosen: number;
}

export interface MemoryFigures {
  rss: number;
  heapUsed: number;
}

export type B10Command =
  | { kind: 'time'; id: number; strategy: string; client: string; paths: string[] }
  | { kind: 'memory'; id: number }
  | { kind: 'close'; id: number };

export type B10Reply =
  | { kind: 'ready' }
  | { kind: 'failed'; message: string }
  | { kind: 'reply'; id: number; value: unknown };
