import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { loadScenario, scenarioVariants } from '../src/index.js';

const SCENARIOS = fileURLToPath(new URL('../../../../scenarios/', import.meta.url));
const files = readdirSync(SCENARIOS).filter((name) => name.endsWith('.yml'));

describe('the shipped scenarios', () => {
  it('are all there', () => {
    assert.deepEqual(files.sort(), [
      'cold-vs-warm.yml',
      'flash-crowd.yml',
      'origin-outage.yml',
      'region-outage.yml',
      'replica-crash.yml',
      'shield-vs-no-shield.yml',
      'slow-replica.yml',
    ]);
  });

  for (const name of files) {
    it(`${name} loads with every variant, at most 60 s of load, and says what to look at`, () => {
      const loaded = loadScenario(join(SCENARIOS, name));
      assert.equal(`${loaded.scenario.name}.yml`, name);
      assert.match(loaded.scenario.description, /Look at/);
      const variants = scenarioVariants(loaded, loaded.compare);
      for (const { scenario } of variants) assert.ok(scenario.load.durationMs <= 60_000);
    });
  }
});
