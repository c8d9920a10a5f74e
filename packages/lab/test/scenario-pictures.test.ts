// Scenarios run as a user runs them, their reports opened in Chromium: the pictures in
// docs/experiments.md come from here (`npm run pictures`).
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { loadScenario, scenarioVariants } from '../src/index.js';
import { OUTPUT_DIR } from './dashboard-page.js';
import { tempDir } from './helpers.js';
import { assertEveryChartDrawn, openReportFile, type DrawnReport } from './report-page.js';
import { labCliRun, scenarioFile } from './run-cli.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SCENARIOS_DIR = join(ROOT, 'scenarios');
const PICTURES_DIR = join(ROOT, 'docs', 'images');
const EVERY_SHIPPED = process.env['CDN_LAB_PICTURES'] === '1';
const PORTS = ['--port', '0', '--origin-port', '0', '--admin-port', '0'];

type TestContext = Parameters<typeof tempDir>[0];

/** `cdn-lab run FILE` to its end, then its report in the browser (a full-page screenshot saved). */
async function runAndOpen(t: TestContext, file: string, screenshot: string): Promise<DrawnReport> {
  const dir = await tempDir(t);
  const out = join(dir, 'out');
  const run = await labCliRun([file, '--out', out, '--dir', join(dir, 'lab'), ...PORTS], dir);
  assert.equal(run.code, 0, run.stderr);
  return openReportFile(t, join(out, 'report.html'), screenshot);
}

/** Every chart drawn (a run with no error leaves its errors chart empty), a marker per step. */
function assertRunDrawn(report: DrawnReport, markers: number): void {
  assertEveryChartDrawn(report.charts, markers, { emptyErrorsAllowed: true });
  assert.equal(report.markers, markers, 'a marker per timeline step, and no role died on its own');
}

describe('a scenario run, in the browser', () => {
  it('draws a real run: every chart has data, a series per edge, a marker per step', async (t) => {
    const dir = await tempDir(t);
    const file = await scenarioFile(dir, 'short-crash.yml', [
      'name: short-crash',
      'description: three edges, one killed, one slowed',
      'lab: { replicas: 3, maxObjectBytes: 100KiB }',
      'load:',
      '  clients: 4',
      '  mix: { zipf: { objects: 32, s: 1.0, objectBytes: 4KiB } }',
      '  duration: 6s',
      'timeline:',
      '  - { at: 2s, kill: replica-2 }',
      '  - { at: 3s, fault: replica-3, delayMs: 20 }',
    ]);
    const report = await runAndOpen(t, file, join(OUTPUT_DIR, 'report-run.png'));
    assertRunDrawn(report, 2);
    const byKind = new Map(report.charts.map((chart) => [chart.kind, chart]));
    assert.equal(byKind.get('requests')?.series, 3, 'a requests series per edge');
    assert.equal(byKind.get('states')?.series, 3, 'a state row per edge');
  });
});

describe('the shipped scenarios', async () => {
  const files = (await readdir(SCENARIOS_DIR)).filter((name) => name.endsWith('.yml')).sort();
  for (const name of files) {
    const skip = EVERY_SHIPPED
      ? false
      : 'npm run pictures runs every shipped scenario (about 12 minutes) into docs/images/';
    it(`${name} runs and its report draws every chart`, { skip }, async (t) => {
      const file = join(SCENARIOS_DIR, name);
      const loaded = loadScenario(file);
      const variants = scenarioVariants(loaded, loaded.compare);
      const picture = join(PICTURES_DIR, `experiment-${name.replace(/\.yml$/, '')}.png`);
      const report = await runAndOpen(t, file, picture);
      assertRunDrawn(report, loaded.scenario.timeline.length);
      const requestCharts = report.charts.filter((chart) => chart.kind === 'requests');
      assert.equal(requestCharts.length, variants.length, 'a requests chart per variant');
    });
  }
});
