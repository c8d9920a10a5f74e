// A report (experiment or benchmark) opened in Chromium from disk: what each chart drew.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { OUTPUT_DIR, openBrowserPage } from './dashboard-page.js';
import { tempDir } from './helpers.js';

type TestContext = Parameters<typeof tempDir>[0];

export interface DrawnChart {
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

/** Writes the page to a temporary file and opens it (below); screenshot into test-output/. */
export async function openReport(
  t: TestContext,
  html: string,
  screenshot: string,
): Promise<DrawnReport> {
  const file = join(await tempDir(t), 'report.html');
  await writeFile(file, html);
  return openReportFile(t, file, join(OUTPUT_DIR, screenshot));
}

export interface DrawnReport {
  charts: DrawnChart[];
  markers: number;
}

/** Opens a report file from file:// with every other request blocked; saves a full-page screenshot. */
export async function openReportFile(
  t: TestContext,
  file: string,
  screenshotPath: string,
): Promise<DrawnReport> {
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
  await mkdir(dirname(screenshotPath), { recursive: true });
  await page.screenshot({ path: screenshotPath, fullPage: true });
  assert.deepEqual(pageErrors, [], 'the page ran without errors');
  assert.deepEqual(blocked, [], 'the page asked for nothing but its own file');
  return { charts, markers };
}

/**
 * Every chart has series, says how many in data-series, has points and coloured pixels, and
 * drew `markers` timeline steps. `emptyErrorsAllowed`: a real run with no error or failover
 * at all leaves the errors chart with nothing to draw.
 */
export function assertEveryChartDrawn(
  charts: readonly DrawnChart[],
  markers: number,
  options: { emptyErrorsAllowed?: boolean } = {},
): void {
  for (const chart of charts) {
    const name = `${chart.kind} (${chart.variant})`;
    if (options.emptyErrorsAllowed && chart.kind === 'errors' && chart.series === 0) continue;
    assert.ok(chart.series > 0, `${name} has series`);
    assert.equal(chart.seriesAttribute, chart.series, `${name}: data-series says what was drawn`);
    assert.ok(chart.points > 0, `${name} has points`);
    assert.ok(chart.colouredPixels > 200, `${name} drew data: ${chart.colouredPixels} px`);
    assert.equal(chart.markers, markers, `${name} drew every timeline marker`);
  }
}
