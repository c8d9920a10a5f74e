import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderBenchReport, renderExperimentReport } from '@cdn-lab/report';
import { assertEveryChartDrawn, openReport } from './report-page.js';
import {
  MARKERS,
  REGIONS,
  REPLICAS,
  STRATEGIES,
  benchRun,
  compareRun,
  singleRun,
} from './report-fixture.js';

describe('the experiment report in a real browser', () => {
  it('draws every chart of a run from disk, with no network', async (t) => {
    const { charts, markers } = await openReport(
      t,
      renderExperimentReport(singleRun()),
      'report.png',
    );
    assert.deepEqual(
      charts.map((chart) => chart.kind),
      ['latency', 'requests', 'errors', 'hitRatio', 'originFetches', 'states'],
    );
    assertEveryChartDrawn(charts, MARKERS.length);
    const byKind = new Map(charts.map((chart) => [chart.kind, chart]));
    assert.equal(byKind.get('requests')?.series, REPLICAS.length, 'a series per replica');
    assert.equal(byKind.get('latency')?.series, 2 * (REGIONS.length + 1), 'p50, p99 per region');
    // The states chart has a row per replica, the one that joined late included.
    assert.equal(byKind.get('states')?.series, REPLICAS.length + 1);
    assert.equal(markers, MARKERS.length);
  });

  it('draws a step carried out before the first sample: every time axis starts at 0', async (t) => {
    const data = singleRun();
    const early = { t: 0.4, label: 'fault replica-eu-1 delayMs=10', ok: true };
    for (const variant of data.variants) variant.markers = [early, ...variant.markers];
    const { charts, markers } = await openReport(
      t,
      renderExperimentReport(data),
      'report-early.png',
    );
    assert.equal(markers, MARKERS.length + 1, 'the early step is drawn too');
    for (const chart of charts) assert.equal(chart.markers, MARKERS.length + 1, chart.kind);
  });

  it('overlays three variants where they share a unit and draws requests and states per variant', async (t) => {
    const { charts, markers } = await openReport(
      t,
      renderExperimentReport(compareRun()),
      'report-compare.png',
    );
    assertEveryChartDrawn(charts, MARKERS.length);
    const variants = STRATEGIES.map((strategy) => `strategy=${strategy}`);
    for (const kind of ['latency', 'errors', 'hitRatio', 'originFetches']) {
      const drawn = charts.filter((chart) => chart.kind === kind);
      assert.deepEqual(
        drawn.map((chart) => chart.variant),
        ['all'],
        `${kind}: one overlaid chart`,
      );
    }
    const latency = charts.find((chart) => chart.kind === 'latency');
    assert.equal(latency?.series, variants.length * 2 * (REGIONS.length + 1), 'variant × series');
    for (const kind of ['requests', 'states']) {
      const drawn = charts.filter((chart) => chart.kind === kind);
      assert.deepEqual(
        drawn.map((chart) => chart.variant),
        variants,
        `${kind}: a chart per variant`,
      );
    }
    for (const chart of charts.filter((drawn) => drawn.kind === 'requests')) {
      assert.equal(chart.series, REPLICAS.length);
    }
    assert.equal(markers, MARKERS.length, 'the same steps in every variant are drawn once each');
  });
});

describe('the benchmark report in a real browser', () => {
  it('draws a bar chart per measure, ours beside the peer where there is one', async (t) => {
    const data = benchRun();
    const { charts } = await openReport(t, renderBenchReport(data), 'bench-report.png');
    const rows = data.benchmarks.flatMap((bench) => bench.rows.map((row) => ({ bench, row })));
    assert.equal(charts.length, rows.length, 'a chart per result row');
    charts.forEach((chart, index) => {
      const { bench, row } = rows[index] ?? assert.fail('a row per chart');
      assert.equal(chart.variant, bench.id);
      assert.equal(chart.series, row.peer === null ? 1 : 2, `${row.metric}: ours and the peer`);
      assert.equal(chart.seriesAttribute, chart.series);
      assert.ok(chart.colouredPixels > 500, `${row.metric} drew bars: ${chart.colouredPixels} px`);
    });
  });
});
