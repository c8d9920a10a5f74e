import { seededRandom, zipfSequence } from '@cdn-lab/common';

/** The object B10 asks for at a rank. */
function pathOf(rank: number): string {
  return `/b10/object-${rank}.bin`;
}

/** `count` requests over `objects` objects, Zipf (s = 1): the popular head asked again and again. */
export function zipfPaths(objects: number, count: number, seed: number): string[] {
  return zipfSequence(objects, 1, count, seededRandom(seed)).map(pathOf);
}

/** `count` requests for as many different objects: nothing is ever asked twice. */
export function distinctPaths(count: number): string[] {
  return Array.from({ length: count }, (_, index) => pathOf(1_000_000 + index));
}
