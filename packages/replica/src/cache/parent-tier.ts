import {
  Discovery,
  rendezvousOrder,
  type DiscoveredReplica,
  type LinkSpec,
  type Logger,
} from '@cdn-lab/common';
import { MAX_PARENTS, type ParentReport } from '@cdn-lab/protocol';
import { OriginClient } from './origin-client.js';
import { ParentHealth, type ParentState } from './parent-health.js';

/** How long a parent taken out of the file keeps its health, should it come back (a DNS flap). */
export const DEPARTED_HEALTH_MS = 60_000;

/** One parent: where it is, the client that asks it, and its health. */
export interface Parent {
  readonly id: string;
  /** As the parents file names it. */
  readonly name: string;
  readonly client: OriginClient;
  readonly health: ParentHealth;
}

/** A parent's row in /status. */
export interface ParentRow {
  id: string;
  name: string;
  state: ParentState;
  fetches: number;
  failures: number;
  lastError: string | null;
  retryInMs: number;
}

export interface ParentTierOptions {
  parentsFile: string;
  /** For lines without a port: the replica's own. */
  defaultPort: number;
  reloadIntervalMs: number;
  timeoutMs: number;
  log: Logger;
  /** One human line for the terminal: bad lines of the parents file, DNS failures. */
  say?: ((line: string) => void) | undefined;
  /** The emulated link to a parent at this address (a topology's), or null. */
  linkTo: (address: string) => LinkSpec | null;
  /** This replica's own id once listening: a parents file that lists it is not asked by it. */
  selfId: () => string | null;
}

/**
 * The replica's parents (the cache tier above it): read from the parents file (re-read while
 * running, names expanded to all their addresses), ranked per object by rendezvous hashing on
 * its key so each object has one home in the parent tier, and the failed ones left out.
 */
export class ParentTier {
  private readonly parents = new Map<string, Parent>();
  /** The health of parents taken out of the file lately, and when they left. */
  private readonly departed = new Map<string, { health: ParentHealth; at: number }>();
  private readonly discovery: Discovery;

  constructor(
    private readonly options: ParentTierOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.discovery = new Discovery({
      serversFile: options.parentsFile,
      defaultPort: options.defaultPort,
      reloadIntervalMs: options.reloadIntervalMs,
      log: options.log,
      ...(options.say ? { say: options.say } : {}),
      words: { noun: 'parent', file: 'parents file' },
    });
    this.discovery.on('replicas', ({ added, removed }) => {
      for (const gone of removed) this.remove(gone.id);
      for (const found of added) this.add(found);
    });
  }

  /** Reads the file the first time; a missing or unreadable one is a UserError. */
  async start(): Promise<void> {
    await this.discovery.start();
  }

  stop(): void {
    this.discovery.stop();
    for (const parent of this.parents.values()) parent.client.close();
    this.parents.clear();
  }

  has(id: string): boolean {
    return this.parents.has(id);
  }

  get size(): number {
    return this.parents.size;
  }

  /** Every parent, in rendezvous order for the key (the object's path): its home first. */
  rankedFor(key: string): Parent[] {
    const self = this.options.selfId();
    const all = [...this.parents.values()].filter((parent) => parent.id !== self);
    return rendezvousOrder(key, all);
  }

  rows(): ParentRow[] {
    return [...this.parents.values()].map(({ id, name, health }) => ({
      id,
      name,
      state: health.state,
      fetches: health.fetches,
      failures: health.failures,
      lastError: health.lastError,
      retryInMs: health.retryInMs(),
    }));
  }

  /** For the pong: at most MAX_PARENTS rows (a longer list would make the pong unreadable). */
  report(): ParentReport[] {
    return [...this.parents.values()]
      .slice(0, MAX_PARENTS)
      .map(({ id, health }) => ({ id, state: health.state }));
  }

  private add(found: DiscoveredReplica): void {
    const { timeoutMs, linkTo } = this.options;
    const client = new OriginClient(timeoutMs, 'off', linkTo(found.host), `parent ${found.id}`);
    const before = this.departed.get(found.id);
    this.departed.delete(found.id);
    this.parents.set(found.id, {
      id: found.id,
      name: found.name,
      client,
      // One that failed and comes back within a minute is still failed, until its trial.
      health:
        before && this.now() - before.at < DEPARTED_HEALTH_MS ? before.health : new ParentHealth(),
    });
  }

  /**
   * A parent gone from the file is not asked again; its client closes once the fetches in
   * flight from it are done (they finish), and its health is kept a while.
   */
  private remove(id: string): void {
    const parent = this.parents.get(id);
    if (!parent) return;
    this.parents.delete(id);
    parent.client.retire();
    const now = this.now();
    for (const [gone, { at }] of this.departed) {
      if (now - at >= DEPARTED_HEALTH_MS) this.departed.delete(gone);
    }
    this.departed.set(id, { health: parent.health, at: now });
  }
}
