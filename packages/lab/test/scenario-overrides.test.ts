import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { UserError } from '@cdn-lab/common';
import { loadScenario, parseCompare, parseFieldOverride, scenarioVariants } from '../src/index.js';
import { ScenarioFolder, lines } from './scenario-files.js';

const folder = new ScenarioFolder();
after(() => folder.remove());

const file = folder.write(
  'base.yml',
  lines(
    'name: base', // 1
    'lab: {replicas: 3, strategy: consistent}',
    'load:',
    '  duration: 60s',
    'timeline:', // 5
    '  - {at: 10s, kill: replica-3}',
    '  - {at: 50s, origin: down}',
  ),
);

function userError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof UserError, String(error));
    assert.equal(error.exitCode, 2);
    return error.message.replaceAll(file, 'x.yml');
  }
  assert.fail('no error');
}

describe('--set and --compare', () => {
  it('takes a dotted field, or a bare name that ends exactly one field; values as YAML', () => {
    assert.deepEqual(parseFieldOverride('strategy=p2c-ewma'), {
      field: 'lab.strategy',
      value: 'p2c-ewma',
      text: 'p2c-ewma',
      origin: '--set',
      line: null,
    });
    assert.equal(parseFieldOverride('shield=2').field, 'lab.shield');
    assert.equal(parseFieldOverride('shield=2').value, 2);
    assert.equal(parseFieldOverride('lab.warm=true').value, true);
    assert.equal(parseFieldOverride('load.clients.eu=3').field, 'load.clients.eu');
    assert.equal(parseFieldOverride('objects=50').field, 'load.mix.zipf.objects');
    assert.deepEqual(
      parseCompare('lab.strategy=consistent, round-robin').values.map((value) => value.value),
      ['consistent', 'round-robin'],
    );
  });

  it('refuses an unknown field, a missing value, an empty compared value', () => {
    assert.match(
      userError(() => parseFieldOverride('lab.strategie=consistent')),
      /^--set lab\.strategie=consistent: "lab\.strategie" is not a scenario field; fields are name, description, /,
    );
    assert.equal(
      userError(() => parseFieldOverride('strategy')),
      '--set strategy: write it as field=value, e.g. lab.strategy=p2c-ewma',
    );
    assert.equal(
      userError(() => parseCompare('strategy=consistent,,seed')),
      '--compare strategy=consistent,,seed: a value is empty; write it as field=value,value,…, e.g. strategy=consistent,p2c-ewma',
    );
    assert.equal(
      userError(() => parseCompare('strategy=consistent,round-robin,consistent')),
      '--compare strategy=consistent,round-robin,consistent: consistent is given twice; each value makes one variant',
    );
  });

  it('checks a --set value with the same schema, naming --set instead of a line', () => {
    const set = parseFieldOverride('load.duration=abc');
    assert.equal(
      userError(() => loadScenario(file, { overrides: [set] })),
      'x.yml: --set load.duration=abc: load.duration: "abc" is not a duration; write it like 250ms, 2s or 1m',
    );
    const strategy = parseFieldOverride('strategy=fastest');
    assert.match(
      userError(() => loadScenario(file, { overrides: [strategy] })),
      /^x\.yml: --set lab\.strategy=fastest: lab\.strategy: "fastest" is not a strategy; choose one of /,
    );
  });

  it('applies --set (bare numbers are seconds) and keeps it in every variant', () => {
    const loaded = loadScenario(file, { overrides: [parseFieldOverride('duration=55')] });
    assert.equal(loaded.scenario.load.durationMs, 55_000);
    const variants = scenarioVariants(loaded, parseCompare('strategy=round-robin,p2c-ewma'));
    assert.deepEqual(
      variants.map((variant) => [
        variant.label,
        variant.scenario.lab.strategy,
        variant.scenario.load.durationMs,
      ]),
      [
        ['lab.strategy=round-robin', 'round-robin', 55_000],
        ['lab.strategy=p2c-ewma', 'p2c-ewma', 55_000],
      ],
    );
    assert.deepEqual(
      scenarioVariants(loaded, null).map((variant) => variant.label),
      ['base'],
      'not comparing: one variant, the file’s name',
    );
  });

  it('fails before anything starts when a compared value makes a step invalid', () => {
    const loaded = loadScenario(file);
    assert.equal(
      userError(() => scenarioVariants(loaded, parseCompare('duration=60s,30s'))),
      "x.yml:7: timeline[1].at: 50s is past the load's duration (30s) (with --compare load.duration=30s)",
    );
    assert.equal(
      userError(() => scenarioVariants(loaded, parseCompare('replicas=3,2'))),
      'x.yml:6: timeline[0].kill: "replica-3" is not a replica of this lab at that time (replica-1…replica-2) (with --compare lab.replicas=2)',
    );
  });

  it("names the line of the file's own compare when one of its values is bad", () => {
    const compares = folder.write(
      'compares.yml',
      lines(
        'name: compares',
        'load: {duration: 10s}',
        'compare:',
        '  lab.shield:',
        '    - 0',
        '    - many',
      ),
    );
    const loaded = loadScenario(compares);
    assert.throws(
      () => scenarioVariants(loaded, loaded.compare),
      (error: unknown) =>
        error instanceof UserError &&
        error.message ===
          `${compares}:6: compare lab.shield=many: lab.shield: Invalid input: expected number, received string`,
    );
    const twoFields = folder.write(
      'two-fields.yml',
      lines(
        'name: two',
        'load: {duration: 10s}',
        'compare:',
        '  lab.shield: [0, 1]',
        '  lab.warm: [true]',
      ),
    );
    assert.throws(
      () => loadScenario(twoFields),
      (error: unknown) =>
        error instanceof UserError &&
        error.message === `${twoFields}:4: compare: compares one field at a time (this names 2)`,
    );
  });
});
