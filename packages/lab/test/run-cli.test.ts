import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { stateCode } from '@cdn-lab/report';
import type { RunSummary } from '../src/experiments/run/summary-json.js';
import { tempDir } from './helpers.js';
import { countOf, labCliRun, readCsv, scenarioFile } from './run-cli.js';

const PORTS = ['--port', '0', '--origin-port', '0'];

function scenarioLines(duration: string, timeline: string[], lab: string[] = []): string[] {
  return [
    'name: run-test',
    'description: a flat lab under load',
    'lab:',
    '  replicas: 3',
    '  maxObjectBytes: 100KiB',
    ...lab,
    'load:',
    '  clients: 4',
    '  mix: { zipf: { objects: 16, s: 1.0, objectBytes: 4KiB } }',
    `  duration: ${duration}`,
    ...(timeline.length === 0 ? [] : ['timeline:', ...timeline]),
  ];
}

/** Processes whose command line names `text` (the test's own folder): none may outlive a run. */
function processesNaming(text: string): string[] {
  const lines = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n');
  return lines.filter((line) => line.includes(text) && !line.includes('ps -eo'));
}

describe('cdn-lab run', () => {
  it('runs a scenario with a kill and a fault and writes a folder whose numbers agree', async (t) => {
    const dir = await tempDir(t);
    const file = await scenarioFile(
      dir,
      'crash.yml',
      scenarioLines('10s', [
        '  - { at: 3s, kill: replica-2 }',
        '  - { at: 5s, fault: replica-3, delayMs: 20 }',
        '  - { at: 6s, heal: replica-2 }',
      ]),
    );
    const out = join(dir, 'out');
    const run = await labCliRun([file, '--out', out, '--dir', join(dir, 'lab'), ...PORTS], dir);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /run complete: out\/report\.html/);
    assert.match(run.stdout, /run-test: \d+ requests, 0 failed, \d+ failovers/);
    assert.match(run.stderr, /variant 1\/1 · running · \d+ s left · \d+ requests/);
    assert.deepEqual((await readdir(out)).sort(), [
      'report.html',
      'scenario.yml',
      'summary.json',
      'timeseries.csv',
    ]);
    assert.equal(await readFile(join(out, 'scenario.yml'), 'utf8'), await readFile(file, 'utf8'));

    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunSummary;
    const [variant] = summary.variants;
    assert.ok(variant && variant.requests > 0);
    assert.equal(variant.requests, variant.ok + variant.failed);
    const perReplicaTotal = Object.values(variant.perReplica).reduce((a, b) => a + b, 0);
    assert.equal(
      perReplicaTotal,
      variant.ok,
      'every verified download has the edge that completed it',
    );

    const { header, rows } = await readCsv(join(out, 'timeseries.csv'));
    assert.equal(header, 'variant,t_s,chart,series,value');
    const times = [...new Set(rows.map((row) => row.t))];
    assert.equal(times.length, variant.samples);
    const seriesKeys = [...new Set(rows.map((row) => `${row.chart}/${row.series}`))];
    assert.equal(rows.length, times.length * seriesKeys.length, 'one row per sample per series');
    for (const key of seriesKeys) {
      const samples = rows.filter((row) => `${row.chart}/${row.series}` === key).map((r) => r.t);
      assert.deepEqual(samples, times, `${key}: a row at every sample`);
    }
    for (const name of ['replica-1', 'replica-2', 'replica-3']) {
      const series = rows.filter((row) => row.chart === 'requests' && row.series === name);
      assert.equal(Math.round(countOf(series)), variant.perReplica[name] ?? 0, name);
    }
    for (const [code, count] of Object.entries(variant.failoversByCode)) {
      const series = rows.filter(
        (row) => row.chart === 'errors' && row.series === `failover ${code}`,
      );
      assert.equal(Math.round(countOf(series)), count, `failover ${code}`);
    }

    const kill = variant.events.find((event) => event.label === 'kill replica-2');
    assert.ok(kill?.ok, JSON.stringify(variant.events));
    assert.ok(kill.t >= 3 && kill.t < 4, `carried out at ${kill.t} s`);
    assert.ok(variant.events.find((event) => event.label.startsWith('fault replica-3'))?.ok);
    const heal = variant.events.find((event) => event.label === 'heal replica-2');
    assert.equal(heal?.ok, false, 'healing a killed replica fails, and the run goes on');
    assert.match(heal.error ?? '', /admin/);

    const states = rows.filter((row) => row.chart === 'states' && row.series === 'replica-2');
    assert.equal(states[0]?.value, stateCode('up'));
    const afterKill = states.filter((row) => row.t >= 4);
    assert.ok(afterKill.length > 0);
    assert.ok(
      afterKill.every((row) => row.value === stateCode('down')),
      'down from the first sample after the kill',
    );
    const fetches = rows
      .filter((row) => row.chart === 'originFetches')
      .map((row) => row.value ?? 0);
    assert.ok(fetches.every((value, i) => i === 0 || value >= (fetches[i - 1] ?? 0)));
    assert.equal(fetches.at(-1), variant.originFetches);
    const html = await readFile(join(out, 'report.html'), 'utf8');
    assert.match(html, /kill replica-2/);
    assert.deepEqual(processesNaming(dir), [], 'no role outlives the run');
  });

  it('scales down without a refused failover: the edges leave the balancer first', async (t) => {
    const dir = await tempDir(t);
    const file = await scenarioFile(
      dir,
      'scale.yml',
      scenarioLines('3s', ['  - { at: 1s, scale: 1 }']),
    );
    const run = await labCliRun([file, '--out', join(dir, 'out'), '--json', ...PORTS], dir);
    assert.equal(run.code, 0, run.stderr);
    const [variant] = (JSON.parse(run.stdout) as RunSummary).variants;
    assert.ok(variant?.events.find((event) => event.label === 'scale 1')?.ok, run.stdout);
    assert.deepEqual(variant.failoversByCode, {}, 'no failover');
    assert.equal(variant.failed, 0);
  });

  it('runs one variant per value compared', async (t) => {
    const dir = await tempDir(t);
    const file = await scenarioFile(dir, 'plain.yml', scenarioLines('2s', []));
    const out = join(dir, 'out');
    const run = await labCliRun(
      [file, '--compare', 'strategy=round-robin,consistent', '--out', out, '--json', ...PORTS],
      dir,
    );
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as RunSummary;
    assert.equal(summary.compared, 'lab.strategy');
    assert.deepEqual(
      summary.variants.map((variant) => variant.label),
      ['lab.strategy=round-robin', 'lab.strategy=consistent'],
    );
    assert.ok(summary.variants.every((variant) => variant.requests > 0));
    const { rows } = await readCsv(join(out, 'timeseries.csv'));
    assert.deepEqual(
      [...new Set(rows.map((row) => row.variant))],
      summary.variants.map((variant) => variant.label),
    );
  });

  it('writes the variants recorded before one that fails, names the failure, exits 1', async (t) => {
    const dir = await tempDir(t);
    // Replica 2 of the second variant cannot listen: its address and port are taken.
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.1.2', resolve));
    t.after(() => holder.close());
    const { port } = holder.address() as AddressInfo;
    const file = await scenarioFile(dir, 'plain.yml', scenarioLines('2s', []));
    const out = join(dir, 'out');
    const run = await labCliRun(
      [file, '--compare', 'lab.replicas=1,2', '--out', out, '--dir', join(dir, 'lab')].concat([
        '--port',
        String(port),
        '--origin-port',
        '0',
        '--set',
        'load.duration=2s',
      ]),
      dir,
    );
    assert.equal(run.code, 1, run.stderr);
    assert.deepEqual(processesNaming(dir), [], 'no role of the failed variant outlives the run');
    assert.match(
      run.stderr,
      /\[run\] lab\.replicas=2 failed: .*in use.*; what was recorded: out\/report\.html\n/,
    );
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunSummary;
    assert.equal(summary.partial, true);
    assert.equal(summary.failure?.variant, 'lab.replicas=2');
    assert.deepEqual(summary.overrides, ['load.duration=2s']);
    assert.deepEqual(
      summary.variants.map((variant) => variant.label),
      ['lab.replicas=1'],
    );
    assert.ok((summary.variants[0]?.requests ?? 0) > 0);
    assert.match(await readFile(join(out, 'report.html'), 'utf8'), /lab\.replicas=2 failed/);
  });

  it('refuses an --out it cannot write: one line, exit 2, nothing started', async (t) => {
    const dir = await tempDir(t);
    const file = await scenarioFile(dir, 'plain.yml', scenarioLines('3s', []));
    await writeFile(join(dir, 'afile'), '');
    const lab = join(dir, 'lab');
    const run = await labCliRun(
      [file, '--out', join(dir, 'afile', 'sub'), '--dir', lab, ...PORTS],
      dir,
    );
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /--out .*afile\/sub: cannot write the run folder there \(ENOTDIR\)/);
    assert.equal(existsSync(lab), false, 'no lab folder: nothing was started');
  });

  for (const [mistake, timeline, message] of [
    ['an unknown verb', '  - { at: 1s, explode: replica-1 }', /explode/],
    ['a replica that does not exist', '  - { at: 1s, kill: replica-9 }', /replica-9/],
    ['a time past the duration', '  - { at: 9s, kill: replica-1 }', /past the load's duration/],
  ] as const) {
    it(`refuses ${mistake}: one line, exit 2, nothing started`, async (t) => {
      const dir = await tempDir(t);
      const file = await scenarioFile(dir, 'bad.yml', scenarioLines('3s', [timeline]));
      const lab = join(dir, 'lab');
      const run = await labCliRun([file, '--dir', lab, ...PORTS], dir);
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, '');
      assert.equal(existsSync(lab), false, 'no lab folder: nothing was started');
      assert.deepEqual(processesNaming(dir), []);
    });
  }
});
