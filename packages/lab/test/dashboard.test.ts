import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startBalancer } from '@cdn-lab/balancer';
import { runLoad } from '@cdn-lab/client';
import { startOrigin } from '@cdn-lab/origin';
import { spawnRole } from '../src/role-process.js';
import { OUTPUT_DIR, openBrowserPage, routesChart } from './dashboard-page.js';
import { sharedDemoSite, tempDir } from './helpers.js';

const REPLICAS = 3;

type TestContext = Parameters<typeof tempDir>[0];

/** Like startCluster, with the balancer's admin server (and so the dashboard) on a free port. */
async function startClusterWithAdmin(
  t: TestContext,
  count: number,
  network: string,
  token?: string,
) {
  const site = await sharedDemoSite();
  const origin = await startOrigin({ root: site.dir, port: 0 });
  t.after(() => origin.close());
  const replicas = await Promise.all(
    Array.from({ length: count }, (_, index) =>
      spawnRole('replica', `replica-${index + 1}`, [
        ...['--host', `${network}.${index + 1}`, '-p', '0', '--origin', origin.url],
        ...['-w', '/index.html'],
      ]),
    ),
  );
  t.after(() => Promise.all(replicas.map((replica) => replica.stop('SIGKILL'))));
  const ids = replicas.map(({ ready }) => `${ready.host}:${ready.port}`);
  const serversFile = join(await tempDir(t), 'servers.txt');
  await writeFile(serversFile, `${ids.join('\n')}\n`);
  const balancer = await startBalancer({
    port: 0,
    serversFile,
    admin: { port: 0, host: '127.0.0.1', token },
  });
  t.after(() => balancer.close());
  const upCount = (): number => balancer.snapshot().filter((r) => r.state === 'up').length;
  while (upCount() < count) await once(balancer.events, 'replica-state');
  const adminUrl = balancer.admin?.url;
  assert.ok(adminUrl, 'the balancer serves its admin API');
  return { replicas, ids, balancer, adminUrl };
}

const upTiles = (count: number): string =>
  `document.querySelectorAll('[data-replica-id][data-state="up"]').length === ${count}`;

describe('the live dashboard in a real browser', () => {
  it('shows every replica up, turns a killed one down within 2 s, and switches strategy', async (t) => {
    const { replicas, ids, balancer, adminUrl } = await startClusterWithAdmin(
      t,
      REPLICAS,
      '127.0.12',
    );

    const page = await openBrowserPage(t, 900);
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(adminUrl);

    await page.waitForFunction(upTiles(REPLICAS), undefined, { timeout: 5000 });
    const shown = await page.$$eval('[data-replica-id]', (tiles) =>
      tiles.map((tile) => tile.getAttribute('data-replica-id')),
    );
    assert.deepEqual([...shown].sort(), [...ids].sort());

    // A few seconds of load, so the chart has lines (and the screenshot shows them).
    const report = await runLoad({
      balancer: balancer.endpoint,
      paths: ['/objects/100k.bin'],
      durationMs: 2500,
      concurrency: 2,
    });
    assert.ok(report.ok > 0);
    // The routes show up on the tiles with the next once-a-second summary.
    await page.waitForFunction(
      `[...document.querySelectorAll('[data-replica-id] [data-field="routes"]')]
        .reduce((sum, el) => sum + parseInt(el.textContent, 10), 0) >= ${report.requests}`,
      undefined,
      { timeout: 3000 },
    );
    assert.equal(await page.locator('[data-chart-legend] [data-series-id]').count(), REPLICAS);
    const chart = await routesChart(page);
    assert.ok(chart.uplot, 'the chart is drawn by uPlot');
    assert.equal(chart.series, REPLICAS, 'a line per replica');
    assert.ok(chart.samples >= 2, `the chart has ${chart.samples} samples`);
    assert.ok(chart.linePixels > 100, `${chart.linePixels} pixels of the lines are drawn`);
    // The chart follows the window's width.
    const chartWidth = `document.querySelector('[data-routes-chart] .uplot canvas').clientWidth`;
    const wide = await page.evaluate<number>(chartWidth);
    await page.setViewportSize({ width: 800, height: 900 });
    await page.waitForFunction(`${chartWidth} < ${wide - 300}`, undefined, { timeout: 2000 });
    await page.setViewportSize({ width: 1200, height: 900 });
    await page.waitForFunction(`${chartWidth} === ${wide}`, undefined, { timeout: 2000 });

    const before = balancer.strategy;
    const wanted = before === 'round-robin' ? 'least-loaded' : 'round-robin';
    await page.selectOption('[data-strategy-select]', wanted);
    await page.waitForSelector(`[data-strategy-message]:text("now routing with ${wanted}")`, {
      timeout: 3000,
    });
    const status = (await (await fetch(new URL('/status', adminUrl))).json()) as {
      strategy: string;
    };
    assert.equal(status.strategy, wanted);
    await page.waitForSelector(
      `[data-event-log] [data-event-type="strategy"]:text("${before} → ${wanted}")`,
      { timeout: 3000 },
    );

    const victim = replicas[1];
    const victimId = ids[1];
    assert.ok(victim && victimId);
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    await page.waitForSelector(`[data-replica-id="${victimId}"][data-state="down"]`, {
      timeout: 2000,
    });
    const tookMs = Date.now() - killedAt;
    assert.ok(tookMs < 2000, `the tile turned down after ${tookMs} ms`);
    await page.waitForSelector(
      `[data-event-log] [data-event-type="state"][data-replica="${victimId}"][data-to="down"]`,
      { timeout: 1000 },
    );
    await page.waitForFunction(upTiles(REPLICAS - 1), undefined, { timeout: 1000 });

    await mkdir(OUTPUT_DIR, { recursive: true });
    await page.screenshot({ path: `${OUTPUT_DIR}dashboard.png`, fullPage: true });
    assert.deepEqual(pageErrors, [], 'no script errors on the page');
  });

  it('with an admin token, asks for it on a switch, then switches; #token= in the address works too', async (t) => {
    const token = 'dash-S3CRET';
    const { balancer, adminUrl } = await startClusterWithAdmin(t, 1, '127.0.13', token);
    const page = await openBrowserPage(t, 900);
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(adminUrl);
    await page.waitForFunction(upTiles(1), undefined, { timeout: 5000 });
    const first = balancer.strategy === 'round-robin' ? 'least-loaded' : 'round-robin';
    await page.selectOption('[data-strategy-select]', first);
    await page.waitForSelector('[data-strategy-message]:text("needs its admin token")', {
      timeout: 3000,
    });
    assert.notEqual(balancer.strategy, first, 'nothing changed without the token');
    await page.fill('[data-token-input]', token);
    await page.click('[data-token-form] button');
    await page.waitForSelector(`[data-strategy-message]:text("now routing with ${first}")`, {
      timeout: 3000,
    });
    assert.equal(balancer.strategy, first);

    const second = first === 'round-robin' ? 'least-loaded' : 'round-robin';
    const fresh = await openBrowserPage(t, 900);
    await fresh.goto(`${adminUrl}#token=${token}`);
    await fresh.waitForFunction(upTiles(1), undefined, { timeout: 5000 });
    assert.equal(new URL(fresh.url()).hash, '', 'the token is taken out of the address');
    await fresh.selectOption('[data-strategy-select]', second);
    await fresh.waitForSelector(`[data-strategy-message]:text("now routing with ${second}")`, {
      timeout: 3000,
    });
    assert.equal(balancer.strategy, second);
    assert.deepEqual(pageErrors, [], 'no script errors on the page');
  });
});
