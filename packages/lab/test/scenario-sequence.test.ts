import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { loadScenario, requestSequence, zipfObjects, type Scenario } from '../src/index.js';
import { ScenarioFolder, lines } from './scenario-files.js';

const folder = new ScenarioFolder();
after(() => folder.remove());

function scenario(
  seed: number,
  mix = '{zipf: {objects: 100, s: 1.0, objectBytes: 1KiB}}',
): Scenario {
  const file = folder.write(
    `seed-${seed}.yml`,
    lines(`name: seeded`, `seed: ${seed}`, 'load:', `  mix: ${mix}`, '  duration: 10s'),
  );
  return loadScenario(file).scenario;
}

function paths(
  sequence: { pathAt: (index: number, hot: null) => string },
  count: number,
): string[] {
  return Array.from({ length: count }, (_, index) => sequence.pathAt(index, null));
}

describe('the seeded request sequence', () => {
  it('is the same for the same seed, whatever order the indexes are asked in', () => {
    const first = paths(requestSequence(scenario(1)), 1000);
    assert.deepEqual(paths(requestSequence(scenario(1)), 1000), first);
    const backwards = requestSequence(scenario(1));
    assert.deepEqual(
      Array.from({ length: 1000 }, (_, i) => backwards.pathAt(999 - i, null)).reverse(),
      first,
    );
  });

  it('differs for another seed and for another region', () => {
    const one = paths(requestSequence(scenario(1)), 200);
    const two = paths(requestSequence(scenario(2)), 200);
    const differ = (a: string[], b: string[]) => a.filter((path, i) => path !== b[i]).length;
    assert.ok(differ(one, two) > 100, `${differ(one, two)} of 200 differ`);
    const eu = paths(requestSequence(scenario(1), 'eu'), 200);
    const us = paths(requestSequence(scenario(1), 'us'), 200);
    assert.ok(differ(eu, us) > 100);
    assert.deepEqual(paths(requestSequence(scenario(1), 'eu'), 200), eu);
  });

  it('follows Zipf: rank k drawn about (1/(k+1)) / H(n) of the time', () => {
    const draws = 50_000;
    const counts = new Map<string, number>();
    for (const path of paths(requestSequence(scenario(3)), draws)) {
      counts.set(path, (counts.get(path) ?? 0) + 1);
    }
    const harmonic = Array.from({ length: 100 }, (_, k) => 1 / (k + 1)).reduce((a, b) => a + b);
    for (const rank of [0, 1, 9, 99]) {
      const expected = draws / (rank + 1) / harmonic;
      const seen = counts.get(`/objects/${rank}.bin`) ?? 0;
      assert.ok(
        Math.abs(seen - expected) < expected * 0.15 + 10,
        `rank ${rank}: ${seen} vs ${expected}`,
      );
    }
    const mostFrequent = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
    assert.equal(mostFrequent, '/objects/0.bin');
    assert.ok([...counts.keys()].every((path) => /^\/objects\/\d+\.bin$/.test(path)));
  });

  it('sends the hot share to the hot path, and the rest as without it', () => {
    const sequence = requestSequence(scenario(1));
    const hot = { path: '/objects/42.bin', share: 0.6 };
    const withHot = Array.from({ length: 10_000 }, (_, i) => sequence.pathAt(i, hot));
    const share = withHot.filter((path) => path === hot.path).length / withHot.length;
    assert.ok(Math.abs(share - 0.6) < 0.03, `hot share ${share}`);
    const cold = paths(sequence, 10_000);
    assert.ok(withHot.every((path, i) => path === hot.path || path === cold[i]));
    assert.deepEqual(
      Array.from({ length: 100 }, (_, i) => sequence.pathAt(i, { path: '/x', share: 0 })),
      cold.slice(0, 100),
      'share 0 is no crowd',
    );
  });

  it('draws a paths mix uniformly over the file', () => {
    folder.write('three.txt', lines('/a', '/b', '/c'));
    const drawn = paths(requestSequence(scenario(5, '{paths: three.txt}')), 3000);
    for (const path of ['/a', '/b', '/c']) {
      const count = drawn.filter((p) => p === path).length;
      assert.ok(count > 900 && count < 1100, `${path}: ${count}`);
    }
  });

  it('names the objects a zipf mix needs, none for a paths mix', () => {
    assert.deepEqual(zipfObjects({ kind: 'zipf', objects: 3, s: 1, objectBytes: 10 }), [
      { path: '/objects/0.bin', bytes: 10 },
      { path: '/objects/1.bin', bytes: 10 },
      { path: '/objects/2.bin', bytes: 10 },
    ]);
    assert.deepEqual(zipfObjects({ kind: 'paths', file: '/p.txt' }), []);
  });
});
