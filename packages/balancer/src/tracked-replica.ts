import { fnv1a64, type DiscoveredReplica, type Hash64, type Logger } from '@cdn-lab/common';
import type { LoadReport } from '@cdn-lab/protocol';
import { ReplicaHealth, type StateChange } from './health.js';
import type { ResolvedBalancerOptions } from './options.js';
import { Prober } from './prober.js';
import type { ReplicaView } from './strategies/index.js';

/** One probed replica: where it is, what its probes say, and the prober asking it. */
export interface TrackedReplica {
  replica: DiscoveredReplica;
  health: ReplicaHealth;
  prober: Prober;
}

/** What a probe result did; `change` is the state change it caused, if any. */
export interface TrackedListener {
  answered(rttMs: number, load: LoadReport, change: StateChange | null): void;
  failed(reason: string, change: StateChange | null): void;
}

/** Starts probing one replica (a routed one or a shield: the same prober and health). */
export function trackReplica(
  replica: DiscoveredReplica,
  settings: ResolvedBalancerOptions,
  log: Logger,
  listener: TrackedListener,
): TrackedReplica {
  const health = new ReplicaHealth({
    rise: settings.rise,
    fall: settings.fall,
    failureRatio: settings.failureRatio,
    failureMin: settings.failureMin,
  });
  const prober = new Prober(
    replica,
    {
      intervalMs: settings.probeIntervalMs,
      timeoutMs: settings.probeTimeoutMs,
      backoffMaxMs: settings.probeBackoffMaxMs,
    },
    {
      onSuccess: (rttMs, load) =>
        listener.answered(rttMs, load, health.recordSuccess(rttMs, load, Date.now())),
      onFailure: (reason) => listener.failed(reason, health.recordFailure(reason)),
    },
    log,
  );
  prober.start();
  return { replica, health, prober };
}

/** `now` from performance.now(), for the fading count of recent routes. */
export function viewOf({ replica, health }: TrackedReplica, now = performance.now()): ReplicaView {
  return {
    id: replica.id,
    host: replica.host,
    port: replica.port,
    state: health.state,
    rttEwmaMs: health.rttEwmaMs,
    peakEwmaMs: health.peakEwmaMs,
    lossPercent: health.lossPercent,
    load: health.load,
    inflight: health.inflight,
    recentRoutes: health.recentRoutes(now),
    region: health.load?.region ?? null,
  };
}

export const byId = (a: { id: string }, b: { id: string }): number =>
  a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/** The time the live views of one decision read their fading counts at. */
export interface DecisionClock {
  now: number;
}

/**
 * A replica as a route sees it, read from its health at each access instead of copied for
 * every route (at a thousand replicas the copies were most of a decision). Nothing changes
 * while a strategy runs (one thread), so to the strategy it is as still as viewOf's copy; the
 * balancer sets the clock before each decision. The health is a private field: a live view
 * never leaks the prober through a spread or JSON.
 */
export class LiveView implements ReplicaView {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  /** Its id's hash, kept: consistent and nearest weigh every replica for every route. */
  readonly idHash: Hash64;
  readonly #health: ReplicaHealth;
  readonly #clock: DecisionClock;

  constructor({ replica, health }: TrackedReplica, clock: DecisionClock) {
    this.id = replica.id;
    this.host = replica.host;
    this.port = replica.port;
    this.idHash = fnv1a64(replica.id);
    this.#health = health;
    this.#clock = clock;
  }

  get state(): ReplicaView['state'] {
    return this.#health.state;
  }

  get rttEwmaMs(): number {
    return this.#health.rttEwmaMs;
  }

  get peakEwmaMs(): number {
    return this.#health.peakEwmaMs;
  }

  get lossPercent(): number {
    return this.#health.lossPercent;
  }

  get load(): LoadReport | null {
    return this.#health.load;
  }

  get inflight(): number {
    return this.#health.inflight;
  }

  get recentRoutes(): number {
    return this.#health.recentRoutes(this.#clock.now);
  }

  get region(): string | null {
    return this.#health.load?.region ?? null;
  }
}
