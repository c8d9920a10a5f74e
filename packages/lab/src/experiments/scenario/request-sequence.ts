import { readFileSync } from 'node:fs';
import { parsePathsFile } from '@cdn-lab/client';
import { hashedUniform, zipfWeights } from '@cdn-lab/common';
import { AliasTable } from './alias-table.js';
import type { Scenario } from './scenario.js';
import { zipfObjectPath } from './zipf-objects.js';

/** A flash crowd in force: this share of requests asks for `path`. */
export interface HotObject {
  path: string;
  share: number;
}

/** The scenario's requests in order: the same seed (and region) always gives the same paths. */
export interface RequestSequence {
  /** The path of request `index` (from 0) while `hot` is in force (null: no flash crowd). */
  pathAt(index: number, hot: HotObject | null): string;
}

/** FNV-1a: a region's name as a number, so each region draws its own sequence. */
function nameHash(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i += 1) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

const COLUMN = 0;
const COIN = 1;
const HOT = 2;

/**
 * Each index draws its own numbers from (seed, region, index), so the path at an index does
 * not depend on which indexes were asked before (clients share one counter in any order).
 */
export function requestSequence(scenario: Scenario, region?: string): RequestSequence {
  const seed = (scenario.seed ^ (region === undefined ? 0 : nameHash(region))) >>> 0;
  const mix = scenario.load.mix;
  let pick: (index: number) => string;
  if (mix.kind === 'zipf') {
    const table = new AliasTable(zipfWeights(mix.objects, mix.s));
    pick = (index) =>
      zipfObjectPath(
        table.draw(hashedUniform(seed, index, COLUMN), hashedUniform(seed, index, COIN)),
      );
  } else {
    const paths = parsePathsFile(readFileSync(mix.file, 'utf8'), mix.file);
    pick = (index) =>
      paths[Math.floor(hashedUniform(seed, index, COLUMN) * paths.length)] as string;
  }
  return {
    pathAt(index, hot) {
      if (hot && hot.share > 0 && hashedUniform(seed, index, HOT) < hot.share) return hot.path;
      return pick(index);
    },
  };
}
