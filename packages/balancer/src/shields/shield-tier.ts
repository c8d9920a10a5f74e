import type { EventEmitter } from 'node:events';
import { Discovery, type DiscoveredReplica, type Logger, type ResolveAll } from '@cdn-lab/common';
import type { BalancerEvents } from '../balancer-events.js';
import type { StateChange } from '../health.js';
import type { ResolvedBalancerOptions } from '../options.js';
import type { ReplicaView } from '../strategies/index.js';
import { byId, trackReplica, viewOf, type TrackedReplica } from '../tracked-replica.js';

export interface ShieldTierOptions {
  file: string;
  settings: ResolvedBalancerOptions;
  /** The port of lines without one (the balancer's own, as in the servers file). */
  defaultPort: number;
  events: EventEmitter<BalancerEvents>;
  log: Logger;
  say: (line: string) => void;
  resolve?: ResolveAll;
}

/**
 * The replicas of `--shields FILE`: read, re-read and probed like the routed replicas, so the
 * balancer can show the tier above the edges, but kept apart from them: no strategy, route
 * answer or /explain ever sees a shield (the edges reach them, not the clients).
 */
export class ShieldTier {
  private readonly tracked = new Map<string, TrackedReplica>();
  private readonly discovery: Discovery;

  constructor(private readonly options: ShieldTierOptions) {
    this.discovery = new Discovery({
      serversFile: options.file,
      defaultPort: options.defaultPort,
      reloadIntervalMs: options.settings.reloadIntervalMs,
      log: options.log,
      say: options.say,
      resolve: options.resolve,
      words: { noun: 'shield', file: 'shields file' },
    });
    this.discovery.on('replicas', (change) => {
      change.removed.forEach((shield) => this.untrack(shield));
      change.added.forEach((shield) => this.track(shield));
      options.events.emit('shields', change);
    });
  }

  get file(): string {
    return this.options.file;
  }

  get size(): number {
    return this.tracked.size;
  }

  /** A missing or unreadable file is a UserError, as for the servers file. */
  async start(): Promise<void> {
    await this.discovery.start();
  }

  views(): ReplicaView[] {
    return [...this.tracked.values()].map((entry) => viewOf(entry)).sort(byId);
  }

  stop(): void {
    this.discovery.stop();
    for (const { prober } of this.tracked.values()) prober.stop();
  }

  private track(shield: DiscoveredReplica): void {
    const onChange = (change: StateChange | null): void => {
      if (change) this.changed(shield.id, change);
    };
    const { settings, log } = this.options;
    this.tracked.set(
      shield.id,
      trackReplica(shield, settings, log, {
        answered: (_rttMs, _load, change) => onChange(change),
        failed: (_reason, change) => onChange(change),
      }),
    );
  }

  private untrack(shield: DiscoveredReplica): void {
    this.tracked.get(shield.id)?.prober.stop();
    this.tracked.delete(shield.id);
  }

  private changed(id: string, change: StateChange): void {
    const { log, say, events } = this.options;
    log.info({ event: 'shield-state', shield: id, ...change }, `shield ${change.to}`);
    say(`shield ${id} is ${change.to} (${change.reason})`);
    const region = this.tracked.get(id)?.health.load?.region ?? null;
    events.emit('shield-state', { id, ...change, region, at: Date.now() });
  }
}
