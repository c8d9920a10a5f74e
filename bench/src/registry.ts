import { b1 } from './b1-routes.js';
import { b2 } from './b2-bulk.js';
import { b3 } from './b3-small.js';
import type { Benchmark } from './types.js';

export const BENCHMARKS: readonly Benchmark[] = [b1, b2, b3];
