import type { DiscoveredReplica, Logger } from '@cdn-lab/common';
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
