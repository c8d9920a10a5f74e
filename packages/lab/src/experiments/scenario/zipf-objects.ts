import type { RequestMix } from './scenario.js';

/** Rank k of a zipf mix is this object of the lab's site. */
export function zipfObjectPath(rank: number): string {
  return `/objects/${rank}.bin`;
}

/** The objects a zipf mix asks for, for the runner to write into the site; none for paths. */
export function zipfObjects(mix: RequestMix): { path: string; bytes: number }[] {
  if (mix.kind !== 'zipf') return [];
  return Array.from({ length: mix.objects }, (_, rank) => ({
    path: zipfObjectPath(rank),
    bytes: mix.objectBytes,
  }));
}
