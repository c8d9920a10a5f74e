/**
 * B10's peer for decision time (started by b10-floor.ts with fork()): the least a path-affine
 * decision can cost in Node, timed the same way as the balancer's: FNV-1a of the path (the
 * hash the balancer uses) and an index into an array of `replicas`. It also shows what the
 * timer itself costs.
 */
import { fnv1a64 } from '@cdn-lab/common';
import { distinctPaths, zipfPaths } from './b10-paths.js';

const replicas = Number(process.argv[2] ?? '1');
const count = Number(process.argv[3] ?? '1');
const objects = Number(process.argv[4] ?? '1');
const table = Array.from({ length: replicas }, (_, index) => ({ id: `replica-${index}` }));

function time(paths: readonly string[]): { p50Us: number; p99Us: number } {
  const took = new Float64Array(paths.length);
  let picked = 0;
  for (let index = 0; index < paths.length; index += 1) {
    const began = performance.now();
    const hash = fnv1a64(paths[index] as string);
    const replica = table[hash.lo % replicas];
    took[index] = (performance.now() - began) * 1000;
    if (replica) picked += 1;
  }
  if (picked !== paths.length) throw new Error('the floor picked no replica');
  took.sort();
  const at = (share: number): number => took[Math.floor(share * took.length)] ?? 0;
  return { p50Us: at(0.5), p99Us: at(0.99) };
}

const zipf = time(zipfPaths(objects, count, 10));
const distinct = time(distinctPaths(count));
process.send?.({ zipf, distinct }, () => process.exit(0));
