import { readFileSync } from 'node:fs';
import { parsePathsFile } from '@cdn-lab/client';
import { requestSequence, zipfObjects, type ScenarioVariant } from '../scenario/index.js';
import type { VariantInput } from './run-variant.js';

/** What the runner needs of a checked variant: its seeded requests, the objects to write, every path. */
export function variantInput({ label, scenario }: ScenarioVariant): VariantInput {
  const { mix } = scenario.load;
  const objects = mix.kind === 'zipf' ? zipfObjects(mix) : [];
  const mixPaths =
    mix.kind === 'zipf'
      ? objects.map((object) => object.path)
      : parsePathsFile(readFileSync(mix.file, 'utf8'), mix.file);
  return {
    label,
    scenario,
    sequence: (region) => requestSequence(scenario, region ?? undefined),
    objects,
    mixPaths,
  };
}
