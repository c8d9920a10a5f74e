import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stateCode } from '@cdn-lab/report';
import { runVariant, type VariantProgress } from '../src/experiments/run/run-variant.js';
import { variantData } from '../src/experiments/run/variant-data.js';
import { variantSummary } from '../src/experiments/run/summary-json.js';
import { tempDir } from './helpers.js';
import { countOf, flatScenario, variantInput } from './run-scenario-fixture.js';

const step = <T extends object>(atMs: number, label: string, action: T) => ({
  ...action,
  atMs,
  label,
  line: 1,
});

describe('cdn-lab run: one variant', () => {
  it('carries out the timeline during the load and records series that add up to the load’s own counts', async (t) => {
    const dir = await tempDir(t);
    const scenario = flatScenario({
      durationMs: 5_000,
      timeline: [
        step(1_500, 'kill replica-2', { verb: 'kill' as const, replica: 'replica-2' }),
        step(2_500, 'fault replica-3 delayMs=20', {
          verb: 'fault' as const,
          replica: 'replica-3',
          faults: { delayMs: 20 },
        }),
        step(3_000, 'heal replica-2', { verb: 'heal' as const, replica: 'replica-2' }),
      ],
    });
    const phases = new Set<string>();
    const record = await runVariant(
      variantInput(scenario),
      {
        dir,
        port: 0,
        originPort: 0,
        adminPort: 0,
        replicaNetwork: '127.0.31',
        onLine: () => undefined,
      },
      new AbortController().signal,
      (progress: VariantProgress) => phases.add(progress.phase),
    );
    const data = variantData(record, scenario.sampleMs);
    const summary = variantSummary(record);

    assert.deepEqual([...phases], ['starting lab', 'running', 'stopping']);
    assert.ok(summary.requests > 0);
    assert.equal(summary.requests, summary.ok + summary.failed);
    assert.equal(data.times.length, Math.ceil(record.endMs / 1000));
    assert.equal(summary.samples, data.times.length);
    for (const series of data.series) {
      assert.equal(series.values.length, data.times.length, `${series.chart} ${series.name}`);
    }
    const requests = data.series.filter((series) => series.chart === 'requests');
    assert.deepEqual(
      requests.map((series) => series.name),
      ['replica-1', 'replica-2', 'replica-3'],
    );
    for (const series of requests) {
      assert.equal(
        Math.round(countOf(data, series)),
        summary.perReplica[series.name] ?? 0,
        `${series.name}: rate × interval, summed`,
      );
    }
    const errors = data.series.filter((series) => series.chart === 'errors');
    for (const [code, count] of Object.entries(summary.failoversByCode)) {
      const series = errors.find((s) => s.name === `failover ${code}`);
      assert.equal(Math.round(countOf(data, series)), count, `failover ${code}`);
    }
    assert.equal(
      Object.values(summary.failoversByCode).reduce((a, b) => a + b, 0),
      summary.failovers,
    );

    const kill = data.markers.find((marker) => marker.label === 'kill replica-2');
    assert.ok(kill?.ok, JSON.stringify(data.markers));
    assert.ok(kill.t >= 1.5 && kill.t < 2.5, `the kill at ${kill.t} s`);
    assert.ok(data.markers.find((marker) => marker.label.startsWith('fault replica-3'))?.ok);
    const heal = summary.events.find((event) => event.label === 'heal replica-2');
    assert.equal(heal?.ok, false, 'healing a killed replica fails, and the run goes on');
    assert.match(heal.error ?? '', /admin/);

    const states = data.series.find((s) => s.chart === 'states' && s.name === 'replica-2');
    assert.equal(states?.values[0], stateCode('up'));
    assert.equal(states.values.at(-1), stateCode('down'));
    const killedAt = data.times.findIndex((time) => time >= 2);
    assert.ok(
      states.values.slice(killedAt).every((value) => value === stateCode('down')),
      'down from the first sample after the kill',
    );
    const originFetches = data.series.find((s) => s.chart === 'originFetches')?.values ?? [];
    assert.ok(originFetches.every((v, i) => i === 0 || (v ?? 0) >= (originFetches[i - 1] ?? 0)));
    assert.ok((originFetches.at(-1) ?? 0) > 0, 'the cold caches fetched from the origin');
    const edge = data.series.find((s) => s.chart === 'hitRatio' && s.name === 'edge');
    assert.ok(edge, 'a hit ratio for the edge tier');
  });
});
