import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { UserError } from '@cdn-lab/common';
import { loadScenario } from '../src/index.js';
import { ScenarioFolder, lines } from './scenario-files.js';

const folder = new ScenarioFolder();
after(() => folder.remove());

let written = 0;

/** The one message loading these lines gives, with the file's path shown as `x.yml`. */
function problem(...text: string[]): string {
  written += 1;
  const file = folder.write(`bad-${written}.yml`, lines(...text));
  try {
    loadScenario(file);
  } catch (error) {
    assert.ok(error instanceof UserError, String(error));
    assert.equal(error.exitCode, 2);
    return error.message.replaceAll(file, 'x.yml');
  }
  assert.fail('the scenario loaded');
}

function expectProblem(text: string[], expected: string): void {
  assert.equal(problem(...text), expected);
}

const HEAD = ['name: bad', 'load: {duration: 60s}'];

describe('loadScenario: each kind of mistake is one line naming the line and the field', () => {
  it('an unknown field, at the top and inside lab, with the fields there are', () => {
    expectProblem(
      ['name: bad', 'load: {duration: 60s}', 'sed: 2'],
      'x.yml:3: sed: is not a field here (fields: name, description, seed, sample, lab, load, timeline, compare)',
    );
    expectProblem(
      ['name: bad', 'lab:', '  replicas: 3', '  strategyy: consistent', 'load: {duration: 60s}'],
      'x.yml:4: lab.strategyy: is not a field here (fields: replicas, strategy, cacheBytes, ttl, topology, shield, maxObjectBytes, warm)',
    );
  });

  it('a wrong type, a bad duration, a duration out of range, a missing field', () => {
    expectProblem(
      ['name: bad', 'lab:', '  replicas: three', 'load: {duration: 60s}'],
      'x.yml:3: lab.replicas: Invalid input: expected number, received string',
    );
    expectProblem(
      ['name: bad', 'load:', '  clients: 2', '  duration: soon'],
      'x.yml:4: load.duration: "soon" is not a duration; write it like 250ms, 2s or 1m',
    );
    expectProblem(
      ['name: bad', 'load:', '  duration: 2h'],
      'x.yml:3: load.duration: 2h is out of range: 1s to 1h',
    );
    expectProblem(['name: bad', 'load:', '  clients: 2'], 'x.yml:3: load.duration: is required');
    expectProblem(['load: {duration: 10s}'], 'x.yml:1: name: is required');
  });

  it('a YAML syntax error', () => {
    assert.match(problem('name: bad', 'load: {duration: 60s', 'seed: 1'), /^x\.yml:[23]: /);
    assert.equal(
      problem('name: bad', ': : :'),
      'x.yml:2: Nested mappings are not allowed in compact mappings',
      'once, though the parser reports it twice',
    );
  });

  it('an unknown verb, listing the verbs', () => {
    expectProblem(
      [...HEAD, 'timeline:', '  - {at: 10s, kill: replica-1}', '  - {at: 20s, explode: replica-2}'],
      'x.yml:5: timeline[1].explode: "explode" is not a verb; verbs are kill, term, fault, heal, drain, undrain, strategy, scale, origin, region, hot',
    );
  });

  it('two verbs in one step, a step without `at`, a field of another verb', () => {
    expectProblem(
      [...HEAD, 'timeline:', '  - {at: 10s, kill: replica-1, heal: replica-1}'],
      'x.yml:4: timeline[0]: has 2 verbs (kill, heal): one step does one thing',
    );
    expectProblem(
      [...HEAD, 'timeline:', '  - {kill: replica-1}'],
      'x.yml:4: timeline[0].at: is required',
    );
    expectProblem(
      [...HEAD, 'timeline:', '  - at: 10s', '    kill: replica-1', '    delayMs: 80'],
      'x.yml:6: timeline[0].delayMs: is not a field of a kill step (at, kill)',
    );
    expectProblem(
      [...HEAD, 'timeline:', '  - {at: 10s, fault: replica-1}'],
      'x.yml:4: timeline[0]: names no fault; give one or more of delayMs, jitterMs, bandwidthKBps, errorRate, resetRate, probeLoss',
    );
    expectProblem(
      [...HEAD, 'timeline:', '  - {at: 10s, fault: replica-1, errorRate: 2}'],
      'x.yml:4: timeline[0].errorRate: Too big: expected number to be <=1',
    );
  });

  it('a replica that does not exist at that time, with the ones that do', () => {
    expectProblem(
      [...HEAD, 'timeline:', '  - {at: 10s, kill: replica-6}'],
      'x.yml:4: timeline[0].kill: "replica-6" is not a replica of this lab at that time (replica-1…replica-5)',
    );
    expectProblem(
      [
        'name: bad',
        'lab: {replicas: 3, shield: 1}',
        'load: {duration: 60s}',
        'timeline:',
        '  - {at: 30s, fault: replica-4, delayMs: 80}',
        '  - {at: 20s, scale: 4}',
        '  - {at: 40s, scale: 2}',
        '  - {at: 50s, heal: replica-3}',
      ],
      'x.yml:8: timeline[3].heal: "replica-3" is not a replica of this lab at that time (replica-1…replica-2, shield-1)',
    );
    expectProblem(
      [
        'name: bad',
        'lab: {topology: true, replicas: 2}',
        'load: {duration: 60s}',
        'timeline:',
        '  - {at: 10s, kill: replica-2}',
      ],
      'x.yml:5: timeline[0].kill: "replica-2" is not a replica of this lab at that time (replica-eu-1…replica-eu-2, replica-us-1…replica-us-2, replica-ap-1…replica-ap-2)',
    );
    expectProblem(
      [
        'name: bad',
        'lab: {shield: 1}',
        'load: {duration: 60s}',
        'timeline:',
        '  - {at: 10s, drain: shield-1}',
      ],
      'x.yml:5: timeline[0].drain: shield-1 is a shield; the balancer routes to edges only',
    );
  });

  it('a time past the load’s duration (the duration itself is allowed)', () => {
    expectProblem(
      [...HEAD, 'timeline:', '  - {at: 60s, origin: down}', '  - {at: 95s, origin: up}'],
      "x.yml:5: timeline[1].at: 95s is past the load's duration (60s)",
    );
  });

  it('regions: an unknown one, one without a topology, scale with a topology, clients in an unknown region', () => {
    expectProblem(
      [
        'name: bad',
        'lab: {topology: true}',
        'load: {duration: 60s}',
        'timeline:',
        '  - {at: 10s, region: mars, state: down}',
      ],
      'x.yml:5: timeline[0].region: "mars" is not a region (eu, us, ap)',
    );
    expectProblem(
      [...HEAD, 'timeline:', '  - {at: 10s, region: eu, state: down}'],
      'x.yml:4: timeline[0].region: region steps need lab.topology',
    );
    expectProblem(
      [
        'name: bad',
        'lab: {topology: true}',
        'load: {duration: 60s}',
        'timeline:',
        '  - {at: 10s, scale: 4}',
      ],
      'x.yml:5: timeline[0].scale: scale is for the flat lab; with a topology use region steps',
    );
    expectProblem(
      [
        'name: bad',
        'lab: {topology: true}',
        'load:',
        '  clients: {eu: 2, mars: 1}',
        '  duration: 60s',
      ],
      'x.yml:4: load.clients.mars: is not a region of the topology (eu, us, ap)',
    );
    expectProblem(
      ['name: bad', 'lab: {topology: missing.yml}', 'load: {duration: 60s}'],
      `x.yml:2: lab.topology: cannot read the topology ${folder.dir}/missing.yml: no such file`,
    );
  });

  it('a strategy that is not one, listing them; nearest without a topology', () => {
    expectProblem(
      ['name: bad', 'lab: {strategy: fastest}', 'load: {duration: 60s}'],
      'x.yml:2: lab.strategy: "fastest" is not a strategy; choose one of round-robin, least-loaded, p2c-ewma, consistent, seed',
    );
    expectProblem(
      [...HEAD, 'timeline:', '  - {at: 10s, strategy: nearest}'],
      'x.yml:4: timeline[0].strategy: nearest needs lab.topology (regions to be nearest to)',
    );
  });

  it('a missing paths file, a hot path the mix never asks for, two mixes', () => {
    expectProblem(
      ['name: bad', 'load:', '  mix: {paths: nowhere.txt}', '  duration: 60s'],
      `x.yml:3: load.mix.paths: cannot read ${folder.dir}/nowhere.txt: no such file`,
    );
    expectProblem(
      [...HEAD, 'timeline:', '  - {at: 10s, hot: /objects/200.bin}'],
      'x.yml:4: timeline[0].hot: /objects/200.bin is not an object of the mix (/objects/0.bin…/objects/199.bin)',
    );
    expectProblem(
      ['name: bad', 'load:', '  mix: {paths: p.txt, zipf: {objects: 3}}', '  duration: 60s'],
      'x.yml:3: load.mix: give exactly one of zipf: {objects, s, objectBytes} and paths: <file>',
    );
  });

  it('a file that cannot be read', () => {
    assert.throws(
      () => loadScenario(`${folder.dir}/absent.yml`),
      (error: unknown) =>
        error instanceof UserError &&
        error.exitCode === 2 &&
        error.message === `cannot read the scenario ${folder.dir}/absent.yml: no such file`,
    );
  });
});
