import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_TOPOLOGY_FILE } from '@cdn-lab/common';
import { loadScenario, type Scenario } from '../src/index.js';
import { ScenarioFolder, lines } from './scenario-files.js';

const folder = new ScenarioFolder();
after(() => folder.remove());

describe('loadScenario: a good file', () => {
  it('fills every default a minimal file leaves out', () => {
    const file = folder.write('minimal.yml', lines('name: minimal', 'load:', '  duration: 20'));
    const loaded = loadScenario(file);
    const expected: Scenario = {
      name: 'minimal',
      description: '',
      seed: 1,
      sampleMs: 1000,
      lab: {
        replicas: null,
        strategy: null,
        cacheBytes: null,
        topology: null,
        shield: 0,
        maxObjectBytes: null,
        ttlMs: null,
        warm: false,
      },
      load: {
        clients: { all: 8 },
        mix: { kind: 'zipf', objects: 200, s: 1, objectBytes: 16 * 1024 },
        rate: null,
        durationMs: 20_000,
      },
      timeline: [],
    };
    assert.deepEqual(loaded.scenario, expected);
    assert.equal(loaded.compare, null);
    assert.equal(loaded.text, lines('name: minimal', 'load:', '  duration: 20'));
    assert.equal(loaded.file, file);
  });

  it('reads units, every verb with its label and line, sorted by time (file order at ties)', () => {
    const file = folder.write(
      'every-verb.yml',
      lines(
        'name: every-verb', // 1
        'seed: 7',
        'sample: 500ms',
        'lab: {replicas: 3, strategy: consistent, cacheBytes: 64MiB, ttl: 1.5s, shield: 1, maxObjectBytes: 1MiB, warm: true}',
        'load:', // 5
        '  clients: 4',
        '  mix: {zipf: {objects: 50, s: 0.8, objectBytes: 4KiB}}',
        '  rate: 200',
        '  duration: 1m',
        'timeline:', // 10
        '  - {at: 40s, origin: up}',
        '  - {at: 10s, kill: replica-2}',
        '  - {at: 12s, term: shield-1}',
        '  - {at: 20s, fault: replica-3, delayMs: 80, errorRate: 0.1}',
        '  - {at: 30s, heal: replica-3}', // 15
        '  - {at: 30s, strategy: p2c-ewma}',
        '  - {at: 30s, drain: replica-1}',
        '  - {at: 35s, undrain: replica-1}',
        '  - {at: 36s, scale: 6}',
        '  - {at: 37s, kill: replica-6}', // 20
        '  - {at: 38s, origin: down}',
        '  - {at: 15s, hot: /objects/7.bin}',
        '  - {at: 45s, hot: /objects/7.bin, share: 0}',
      ),
    );
    const { scenario } = loadScenario(file);
    assert.equal(scenario.seed, 7);
    assert.equal(scenario.sampleMs, 500);
    assert.deepEqual(scenario.lab, {
      replicas: 3,
      strategy: 'consistent',
      cacheBytes: 64 * 1024 * 1024,
      topology: null,
      shield: 1,
      maxObjectBytes: 1024 * 1024,
      ttlMs: 1500,
      warm: true,
    });
    assert.deepEqual(scenario.load, {
      clients: { all: 4 },
      mix: { kind: 'zipf', objects: 50, s: 0.8, objectBytes: 4096 },
      rate: 200,
      durationMs: 60_000,
    });
    assert.deepEqual(
      scenario.timeline.map((step) => `${step.atMs} ${step.label} @${step.line}`),
      [
        '10000 kill replica-2 @12',
        '12000 term shield-1 @13',
        '15000 hot /objects/7.bin share=0.5 @22',
        '20000 fault replica-3 delayMs=80 errorRate=0.1 @14',
        '30000 heal replica-3 @15',
        '30000 strategy p2c-ewma @16',
        '30000 drain replica-1 @17',
        '35000 undrain replica-1 @18',
        '36000 scale 6 @19',
        '37000 kill replica-6 @20',
        '38000 origin down @21',
        '40000 origin up @11',
        '45000 hot /objects/7.bin share=0 @23',
      ],
    );
    assert.deepEqual(scenario.timeline[3], {
      verb: 'fault',
      replica: 'replica-3',
      faults: { delayMs: 80, errorRate: 0.1 },
      atMs: 20_000,
      label: 'fault replica-3 delayMs=80 errorRate=0.1',
      line: 14,
    });
    assert.deepEqual(scenario.timeline[8], {
      verb: 'scale',
      replicas: 6,
      atMs: 36_000,
      label: 'scale 6',
      line: 19,
    });
  });

  it("resolves a topology against the scenario's folder and gives every region its clients", () => {
    const topology = join(folder.dir, 'worlds', 'three.yml');
    folder.write(
      'worlds/three.yml',
      lines(
        'origin: us',
        'regions: [{name: us}, {name: eu}]',
        'links: [{between: [us, eu], delay: 40ms}]',
      ),
    );
    const nested = folder.write(
      'nested/regional.yml',
      lines(
        'name: regional',
        'lab: {topology: ../worlds/three.yml, strategy: nearest}',
        'load: {clients: {eu: 3}, duration: 10s}',
        'timeline: [{at: 5s, region: eu, state: down}, {at: 6s, kill: replica-us-1}]',
      ),
    );
    const { scenario } = loadScenario(nested);
    assert.equal(scenario.lab.topology, topology);
    assert.deepEqual(scenario.load.clients, { eu: 3 }, 'a region without clients is left out');
    assert.deepEqual(
      scenario.timeline.map((step) => step.label),
      ['region eu down', 'kill replica-us-1'],
    );

    const shipped = folder.write(
      'shipped.yml',
      lines(
        'name: shipped',
        'lab: {topology: true, replicas: 1}',
        'load: {clients: 2, duration: 10s}',
      ),
    );
    const world = loadScenario(shipped).scenario;
    assert.equal(world.lab.topology, DEFAULT_TOPOLOGY_FILE);
    assert.deepEqual(world.load.clients, { eu: 2, us: 2, ap: 2 }, 'a number is in every region');
  });

  it("resolves a paths file against the scenario's folder", () => {
    folder.write('lists/paths.txt', lines('# demo', '/a.bin', '/b.bin'));
    const file = folder.write(
      'with-paths.yml',
      lines(
        'name: with-paths',
        'load: {mix: {paths: lists/paths.txt}, duration: 10s}',
        'timeline: [{at: 1s, hot: /b.bin, share: 1}]',
      ),
    );
    assert.deepEqual(loadScenario(file).scenario.load.mix, {
      kind: 'paths',
      file: join(folder.dir, 'lists', 'paths.txt'),
    });
  });

  it("reads the file's own compare, a bare field name included", () => {
    const file = folder.write(
      'compares.yml',
      lines('name: compares', 'load: {duration: 10s}', 'compare:', '  warm: [false, true]'),
    );
    const { compare } = loadScenario(file);
    assert.equal(compare?.field, 'lab.warm');
    assert.deepEqual(
      compare?.values.map((value) => [value.value, value.text, value.line]),
      [
        [false, 'false', 4],
        [true, 'true', 4],
      ],
    );
  });
});
