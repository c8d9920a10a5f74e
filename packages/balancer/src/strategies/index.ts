import { consistent } from './consistent.js';
import { leastLoaded } from './least-loaded.js';
import { nearest } from './nearest.js';
import { p2cEwma } from './p2c-ewma.js';
import { roundRobin } from './round-robin.js';
import { seed } from './seed.js';
import type { Strategy } from './types.js';

export * from './types.js';
export {
  consistent,
  loadBound,
  rendezvousOrder,
  slowThresholdMs,
  LOAD_BOUND_FACTOR,
  SLOW_FACTOR,
  SLOW_MARGIN_MS,
} from './consistent.js';
export { fnv1a64, rendezvousWeight, type Hash64 } from '@cdn-lab/common';
export { leastLoaded } from './least-loaded.js';
export { nearest } from './nearest.js';
export { p2cCost, p2cEwma } from './p2c-ewma.js';
export { roundRobin } from './round-robin.js';
export { seed, seedScore } from './seed.js';

export const STRATEGIES = {
  'round-robin': roundRobin,
  'least-loaded': leastLoaded,
  'p2c-ewma': p2cEwma,
  consistent,
  seed,
  nearest,
} as const satisfies Record<string, Strategy>;

export type StrategyName = keyof typeof STRATEGIES;

export const STRATEGY_NAMES = Object.keys(STRATEGIES) as StrategyName[];

/** Best p99 with a slow replica and fewest origin fetches together: see B4 and B6 in bench/RESULTS.md. */
export const DEFAULT_STRATEGY: StrategyName = 'consistent';

/** With a topology: place first, then consistent hashing inside the client's region. */
export const TOPOLOGY_DEFAULT_STRATEGY: StrategyName = 'nearest';

/** Strategies that route by region, and so need a topology. */
export const REGION_STRATEGIES: readonly StrategyName[] = ['nearest'];

/** The strategies a balancer can use: the region ones only with a topology. */
export function strategyNamesFor(hasTopology: boolean): StrategyName[] {
  return STRATEGY_NAMES.filter((name) => hasTopology || !REGION_STRATEGIES.includes(name));
}

export function isStrategyName(name: string): name is StrategyName {
  return Object.hasOwn(STRATEGIES, name);
}
