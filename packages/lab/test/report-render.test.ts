import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { renderBenchReport, renderExperimentReport } from '@cdn-lab/report';
import { OUTPUT_DIR, openBrowserPage } from './dashboard-page.js';
import { tempDir } from './helpers.js';
import {
  MARKERS,
  REGIONS,
  REPLICAS,
  STRATEGIES,
  benchRun,
  compareRun,
  singleRun,
} from './report-fixture.js';

type TestContext = Parameters<typeof tempDir>[0];

interface DrawnChart {
  kind: string;
  variant: string;
  series: number;
  points: number;
  markers: number;
  /** The chart's data-series attribute. */
  seriesAttribute: number;
  /** Pixels of a saturated colour in the plot area: grid, axes, markers and labels are grey. */
  colouredPixels: number;
}

/**
 * Runs in the page (a string, as lab's tests are compiled without the DOM's types): every chart
 * of window.cdnReport with its container's attributes and the coloured pixels in its plot area.
 */
const DRAWN_CHARTS = `(() => {
  const sections = [...document.querySelectorAll('[data-chart]')];
  return window.cdnReport.charts.map((chart, index) => {
    const section = sections[index];
    const canvas = section.querySelector('canvas');
    let colouredPixels = 0;
    if (canvas && chart.plot) {
      const { left, top, width, height } = chart.plot;
      const pixels = canvas.getContext('2d').getImageData(left, top, width, height).data;
      for (let i = 0; i < pixels.length; i += 4) {
        const [r, g, b, a] = [pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]];
        if (a > 100 && Math.max(r, g, b) - Math.min(r, g, b) > 60) colouredPixels += 1;
      }
    }
    return {
      kind: chart.kind,
      variant: chart.variant,
      series: chart.series,
      points: chart.points,
      markers: chart.markers,
      seriesAttribute: Number(section.dataset.series),
      colouredPixels,
    };
  });
})()`;

/** Opens the report from file:// with every other request blocked; the charts it drew. */
async function openReport(
  t: TestContext,
  html: string,
  screenshot: string,
): Promise<{ charts: DrawnChart[]; markers: number }> {
  const file = join(await tempDir(t), 'report.html');
  await writeFile(file, html);
  const page = await openBrowserPage(t, 1000);
  const blocked: string[] = [];
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.route('**/*', async (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction('window.cdnReport !== undefined', undefined, { timeout: 10_000 });
  const charts = (await page.evaluate(DRAWN_CHARTS)) as DrawnChart[];
  const markers = (await page.evaluate('window.cdnReport.markers')) as number;
  await mkdir(OUTPUT_DIR, { recursive: true });
  await page.screenshot({ path: join(OUTPUT_DIR, screenshot), fullPage: true });
  assert.deepEqual(pageErrors, [], 'the page ran without errors');
  assert.deepEqual(blocked, [], 'the page asked for nothing but its own file');
  return { charts, markers };
}

function assertEveryChartDrawn(charts: DrawnChart[]): void {
  for (const chart of charts) {
    const name = `${chart.kind} (${chart.variant})`;
    assert.ok(chart.series > 0, `${name} has series`);
    assert.equal(chart.seriesAttribute, chart.series, `${name}: data-series says what was drawn`);
    assert.ok(chart.points > 0, `${name} has points`);
    assert.ok(chart.colouredPixels > 200, `${name} drew data: ${chart.colouredPixels} px`);
    assert.equal(chart.markers, MARKERS.length, `${name} drew every timeline marker`);
  }
}

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
    assertEveryChartDrawn(charts);
    const byKind = new Map(charts.map((chart) => [chart.kind, chart]));
    assert.equal(byKind.get('requests')?.series, REPLICAS.length, 'a series per replica');
    assert.equal(byKind.get('latency')?.series, 2 * (REGIONS.length + 1), 'p50, p99 per region');
    // The states chart has a row per replica, the one that joined late included.
    assert.equal(byKind.get('states')?.series, REPLICAS.length + 1);
    assert.equal(markers, MARKERS.length);
  });

  it('overlays three variants where they share a unit and draws requests and states per variant', async (t) => {
    const { charts, markers } = await openReport(
      t,
      renderExperimentReport(compareRun()),
      'report-compare.png',
    );
    assertEveryChartDrawn(charts);
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
