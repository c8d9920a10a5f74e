import { b1 } from './b1-routes.js';
import { b2 } from './b2-bulk.js';
import { b3 } from './b3-small.js';
import { b3b } from './b3b-pipelined.js';
import { b4 } from './b4-balancing.js';
import { b5 } from './b5-failover.js';
import { b6 } from './b6-offload.js';
import { b7 } from './b7-memory.js';
import { b8 } from './b8-regions.js';
import { b9 } from './b9-shield.js';
import { b10 } from './b10-scale.js';
import type { Benchmark } from './types.js';

export const BENCHMARKS: readonly Benchmark[] = [b1, b2, b3, b3b, b4, b5, b6, b7, b8, b9, b10];
