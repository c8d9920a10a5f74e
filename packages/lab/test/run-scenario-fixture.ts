// Scenarios built in code for the runner's tests, and the series arithmetic they check.
import type { SeriesData, VariantData } from '@cdn-lab/report';
import type { Scenario, TimelineStep } from '../src/experiments/scenario/scenario.js';
import type { VariantInput } from '../src/experiments/run/run-variant.js';

export const OBJECTS = Array.from({ length: 8 }, (_, i) => ({
  path: `/objects/${i}.bin`,
  bytes: 4096,
}));

export function flatScenario(overrides: {
  replicas?: number;
  durationMs?: number;
  timeline?: TimelineStep[];
  strategy?: string | null;
}): Scenario {
  return {
    name: 'runner test',
    description: 'a flat lab under a closed-loop load',
    seed: 1,
    lab: {
      replicas: overrides.replicas ?? 3,
      strategy: overrides.strategy ?? null,
      cacheBytes: null,
      topology: null,
      shield: 0,
      maxObjectBytes: 100 * 1024,
      ttlMs: null,
      warm: false,
    },
    load: {
      clients: { all: 4 },
      mix: { kind: 'zipf', objects: OBJECTS.length, s: 1, objectBytes: 4096 },
      rate: null,
      durationMs: overrides.durationMs ?? 6_000,
    },
    sampleMs: 1_000,
    timeline: overrides.timeline ?? [],
  };
}

/** Round robin over the objects: enough for the runner, which does not draw the mix itself. */
export function variantInput(scenario: Scenario, label = scenario.name): VariantInput {
  return {
    label,
    scenario,
    sequence: () => ({ pathAt: (index) => OBJECTS[index % OBJECTS.length]?.path ?? '/' }),
    objects: OBJECTS,
    mixPaths: OBJECTS.map((object) => object.path),
  };
}

/** A per-second series back to counts: value × its interval's length, summed. */
export function countOf(data: Pick<VariantData, 'times'>, series: SeriesData | undefined): number {
  if (!series) return 0;
  return series.values.reduce<number>((sum, value, i) => {
    const seconds = (data.times[i] ?? 0) - (i === 0 ? 0 : (data.times[i - 1] ?? 0));
    return sum + (value ?? 0) * seconds;
  }, 0);
}
