import type { Faults } from '@cdn-lab/common';

/**
 * A scenario once read and checked (`loadScenario`): every duration in milliseconds, every
 * default filled in, every replica a step names known to exist in the lab it describes.
 */
export interface Scenario {
  name: string;
  description: string;
  /** Seeds the request mix (and anything else drawn at random): same seed, same requests. */
  seed: number;
  lab: ScenarioLab;
  load: ScenarioLoad;
  /** How often the runner samples the lab and the load (default 1 s). */
  sampleMs: number;
  /** Sorted by `atMs`; steps at the same time keep the file's order. */
  timeline: TimelineStep[];
}

export interface ScenarioLab {
  /** Edges: in the flat lab in all; with a topology in every region (null: the file's counts). */
  replicas: number | null;
  /** The balancer's strategy (null: its default; `nearest` with a topology). */
  strategy: string | null;
  /** Each replica's cache capacity in bytes (null: the replica's default). */
  cacheBytes: number | null;
  /** A topology file, resolved against the scenario's folder (null: the flat lab). */
  topology: string | null;
  /** Shield replicas between the edges and the origin (0: none). */
  shield: number;
  /** Leave demo objects larger than this out (null: the whole demo site). */
  maxObjectBytes: number | null;
  /** Each replica's `--ttl` in ms (null: the replica's default). */
  ttlMs: number | null;
  /** Fetch every object of the mix through every edge before the load starts (warm caches). */
  warm: boolean;
}

export type RequestMix =
  /**
   * Ranks 0..objects-1 drawn with P(k) ∝ 1/(k+1)^s; rank k is the object `/objects/<k>.bin`
   * (objectBytes each, written into the lab's site by the runner).
   */
  | { kind: 'zipf'; objects: number; s: number; objectBytes: number }
  /** One path a line, resolved against the scenario's folder; drawn uniformly with the seed. */
  | { kind: 'paths'; file: string };

export interface ScenarioLoad {
  /**
   * Concurrent clients: a total for the flat lab; with a topology a count per client region
   * (a number alone puts that many in every region).
   */
  clients: Record<string, number>;
  mix: RequestMix;
  /** Requests per second across all clients (open loop); null: each client back to back. */
  rate: number | null;
  durationMs: number;
}

export type TimelineVerb =
  | 'kill'
  | 'term'
  | 'fault'
  | 'heal'
  | 'drain'
  | 'undrain'
  | 'strategy'
  | 'scale'
  | 'origin'
  | 'region'
  | 'hot';

export type TimelineAction =
  /** SIGKILL / SIGTERM (drains first) a replica or shield, by name. */
  | { verb: 'kill' | 'term'; replica: string }
  /** Faults merged into those in force (the fault table's admin fields: delayMs, errorRate, …). */
  | { verb: 'fault'; replica: string; faults: Faults }
  | { verb: 'heal'; replica: string }
  /** The balancer's admin drain: no new routes to it, transfers finish. */
  | { verb: 'drain' | 'undrain'; replica: string }
  | { verb: 'strategy'; strategy: string }
  /** Edges in all (flat lab): start new ones or stop the last ones started. */
  | { verb: 'scale'; replicas: number }
  | { verb: 'origin'; state: 'down' | 'up' }
  /** Every edge of a region killed (`down`), or started again (`up`). */
  | { verb: 'region'; region: string; state: 'down' | 'up' }
  /** From now on this share (0..1) of requests asks for `path` (a flash crowd); share 0 ends it. */
  | { verb: 'hot'; path: string; share: number };

export type TimelineStep = TimelineAction & {
  atMs: number;
  /** The step as a user reads it: `kill replica-2`, `fault replica-3 delayMs=80`. */
  label: string;
  /** The line of the scenario file it came from. */
  line: number;
};

/** One run of a scenario: itself, or one value of the field compared. */
export interface ScenarioVariant {
  /** The scenario's name, or `<field>=<value>` when comparing. */
  label: string;
  scenario: Scenario;
}
