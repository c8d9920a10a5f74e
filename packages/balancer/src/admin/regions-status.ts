import type { RegionMap } from '../regions/region-map.js';
import type { ReplicaView } from '../strategies/index.js';

export interface RegionSummary {
  name: string;
  /** Its replicas that are up now, and all it has (by the region their pongs report). */
  up: number;
  known: number;
  replicas: string[];
}

/** What one serving region did for one client region, from its replicas' load reports. */
export interface RegionCell {
  client: string;
  serving: string;
  /** Requests its replicas served to that region's clients, summed (each since it started). */
  requests: number;
  /** The request-weighted median of the replicas' median times to first byte; null: none. */
  ttfbMs: number | null;
}

export interface RegionsStatus {
  defaultRegion: string;
  regions: RegionSummary[];
  /** Replicas that report no region of the topology (not yet, or another one). */
  unplaced: string[];
  /** Every client region × serving region of the topology, rows in the topology's order. */
  matrix: RegionCell[];
}

interface Sample {
  ttfbMs: number;
  requests: number;
}

/** The sample below which half the requests lie: a median of medians, weighted by requests. */
export function weightedMedian(samples: readonly Sample[]): number | null {
  const counted = samples.filter((sample) => sample.requests > 0);
  const total = counted.reduce((sum, sample) => sum + sample.requests, 0);
  if (total === 0) return null;
  let seen = 0;
  for (const sample of [...counted].sort((a, b) => a.ttfbMs - b.ttfbMs)) {
    seen += sample.requests;
    if (seen * 2 >= total) return sample.ttfbMs;
  }
  return null;
}

export function regionsStatus(regions: RegionMap, views: readonly ReplicaView[]): RegionsStatus {
  const summaries = regions.names.map((name) => {
    const members = views.filter((view) => view.region === name);
    return {
      name,
      up: members.filter((view) => view.state === 'up').length,
      known: members.length,
      replicas: members.map((view) => view.id),
    };
  });
  const unplaced = views.filter((view) => view.region === null || !regions.has(view.region));
  const cells = new Map<string, Sample[]>();
  for (const view of views) {
    if (view.region === null || !regions.has(view.region)) continue;
    for (const row of view.load?.clientRegions ?? []) {
      const key = `${row.region}|${view.region}`;
      const list = cells.get(key) ?? [];
      list.push({ ttfbMs: row.ttfbMs, requests: row.requests });
      cells.set(key, list);
    }
  }
  const matrix = regions.names.flatMap((client) =>
    regions.names.map((serving) => {
      const samples = cells.get(`${client}|${serving}`) ?? [];
      return {
        client,
        serving,
        requests: samples.reduce((sum, sample) => sum + sample.requests, 0),
        ttfbMs: weightedMedian(samples),
      };
    }),
  );
  return {
    defaultRegion: regions.defaultRegion,
    regions: summaries,
    unplaced: unplaced.map((view) => view.id),
    matrix,
  };
}
