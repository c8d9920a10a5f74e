import type { ReplicaState } from '@cdn-lab/report';
import type { Lab } from '../../lab.js';
import { isRunning } from '../../lab-operations.js';
import type { RoleProcess } from '../../role-process.js';
import { CumulativeCounter } from './cumulative-counter.js';
import type { RoleRoster } from './role-roster.js';
import { roleState, type BalancerRow } from './role-state.js';

/** What the lab looked like at one sample. */
export interface LabSample {
  /** Per tier: hits ÷ (hits + misses) since the previous sample; null: no requests. */
  hitRatio: Record<string, number | null>;
  /** Origin fetches of every replica since the load started. */
  originFetches: number;
  /** Every role of the roster by name. */
  states: Record<string, ReplicaState>;
}

interface ReplicaCounters {
  tier: string;
  cache: { hits: number; misses: number; originFetches: number };
}

interface BalancerRows {
  replicas: (BalancerRow & { host: string; port: number })[];
  shields: (BalancerRow & { host: string; port: number })[];
}

const POLL_TIMEOUT_MS = 1_000;

async function getJson<T>(url: string | undefined, path: string): Promise<T | null> {
  if (!url) return null;
  try {
    const answer = await fetch(new URL(path, url), {
      signal: AbortSignal.timeout(POLL_TIMEOUT_MS),
    });
    return answer.ok ? ((await answer.json()) as T) : null;
  } catch {
    // A role just killed, or not up yet: it has nothing to add to this sample.
    return null;
  }
}

/** Which process a counter belongs to: a restarted role is a new process counting from 0. */
function processKey(role: RoleProcess): string {
  return `${role.name}#${role.child.pid ?? 0}`;
}

/**
 * Samples the lab's own counters (each replica's /status, per process) and the balancer's view
 * of each role (its /status), for the hit ratio, origin fetches and states charts.
 */
export class LabSampler {
  private readonly originFetches = new CumulativeCounter();
  private readonly tiers = new Map<
    string,
    { hits: CumulativeCounter; misses: CumulativeCounter }
  >();
  private readonly previous = new Map<string, { hits: number; misses: number }>();
  /** Totals over the whole run per tier. */
  readonly hitTotals = new Map<string, { hits: number; misses: number }>();

  constructor(
    private readonly lab: Lab,
    private readonly roster: RoleRoster,
  ) {}

  /** The counters before the load: what warming caches or start-up fetched is not counted. */
  async baseline(): Promise<void> {
    for (const { role, counters } of await this.replicaCounters()) {
      const key = processKey(role);
      this.originFetches.baseline(key, counters.cache.originFetches);
      const tier = this.tier(counters.tier);
      tier.hits.baseline(key, counters.cache.hits);
      tier.misses.baseline(key, counters.cache.misses);
    }
  }

  async sample(): Promise<LabSample> {
    this.roster.refresh();
    const [counters, rows] = await Promise.all([
      this.replicaCounters(),
      getJson<BalancerRows>(this.lab.balancer.ready.adminUrl, 'status'),
    ]);
    for (const { role, counters: c } of counters) {
      const key = processKey(role);
      this.originFetches.observe(key, c.cache.originFetches);
      const tier = this.tier(c.tier);
      tier.hits.observe(key, c.cache.hits);
      tier.misses.observe(key, c.cache.misses);
    }
    const hitRatio: Record<string, number | null> = {};
    for (const [name, tier] of this.tiers) {
      const before = this.previous.get(name) ?? { hits: 0, misses: 0 };
      const now = { hits: tier.hits.total, misses: tier.misses.total };
      const asked = now.hits - before.hits + (now.misses - before.misses);
      hitRatio[name] = asked === 0 ? null : (now.hits - before.hits) / asked;
      this.previous.set(name, now);
      this.hitTotals.set(name, now);
    }
    return { hitRatio, originFetches: this.originFetches.total, states: this.states(rows) };
  }

  private states(rows: BalancerRows | null): Record<string, ReplicaState> {
    const byName = new Map<string, BalancerRow>();
    for (const row of [...(rows?.replicas ?? []), ...(rows?.shields ?? [])]) {
      byName.set(this.roster.nameOf(`${row.host}:${row.port}`), row);
    }
    const states: Record<string, ReplicaState> = {};
    for (const name of [...this.roster.edges, ...this.roster.shields]) {
      states[name] = roleState(this.roster.knowledge(name), byName.get(name));
    }
    return states;
  }

  private tier(name: string): { hits: CumulativeCounter; misses: CumulativeCounter } {
    let tier = this.tiers.get(name);
    if (!tier) {
      tier = { hits: new CumulativeCounter(), misses: new CumulativeCounter() };
      this.tiers.set(name, tier);
    }
    return tier;
  }

  private async replicaCounters(): Promise<{ role: RoleProcess; counters: ReplicaCounters }[]> {
    const running = [...this.lab.replicas, ...this.lab.shields].filter(isRunning);
    const answers = await Promise.all(
      running.map(async (role) => ({
        role,
        counters: await getJson<ReplicaCounters>(role.ready.adminUrl, 'status'),
      })),
    );
    return answers.flatMap(({ role, counters }) => (counters ? [{ role, counters }] : []));
  }
}
