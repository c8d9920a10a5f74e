import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { DEFAULT_TOPOLOGY_FILE } from '@cdn-lab/common';
import { OUTPUT_DIR, balancerOver, openBrowserPage, routesChart } from './dashboard-page.js';
import { PongReplica } from './pong-replica.js';

const cell = (client: string, serving: string): string =>
  `[data-region-matrix] td[data-client-region="${client}"][data-serving-region="${serving}"]`;

describe('the dashboard region view in a real browser', () => {
  it('groups the tiles by region and shows the client × serving matrix, live', async (t) => {
    const replicas = await Promise.all([
      PongReplica.start(t, '127.1.0.1', { region: 'eu' }),
      PongReplica.start(t, '127.1.0.2', { region: 'eu' }),
      PongReplica.start(t, '127.2.0.1', { region: 'us' }),
      PongReplica.start(t, '127.3.0.1', { region: 'ap' }),
    ]);
    const [eu1, , us1] = replicas;
    assert.ok(eu1 && us1);
    eu1.report.clientRegions = [
      { region: 'eu', requests: 40, ttfbMs: 2.5 },
      { region: 'us', requests: 3, ttfbMs: 82 },
    ];
    const { adminUrl } = await balancerOver(t, replicas, { topology: DEFAULT_TOPOLOGY_FILE });

    const page = await openBrowserPage(t);
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(adminUrl);
    await page.waitForSelector('[data-region-group="ap"] [data-replica-id][data-state="up"]', {
      timeout: 5000,
    });
    const groups = await page.$$eval('[data-region-group]', (boxes) =>
      boxes.map((box) => ({
        region: box.getAttribute('data-region-group'),
        tiles: [...box.querySelectorAll('[data-replica-id]')].map((tile) =>
          tile.getAttribute('data-replica-id'),
        ),
      })),
    );
    assert.deepEqual(
      groups.map((group) => group.region),
      ['eu', 'us', 'ap'],
      "the topology's order",
    );
    assert.deepEqual(
      groups.map((group) => group.tiles.length),
      [2, 1, 1],
    );
    assert.ok(groups[0]?.tiles.includes(eu1.id));
    assert.ok(await page.isVisible('[data-region-matrix]'));
    const chart = await routesChart(page);
    assert.ok(chart.uplot, 'the chart is drawn by uPlot');
    assert.equal(chart.series, replicas.length, 'a line per replica, whatever its region');

    await page.waitForSelector(`${cell('us', 'eu')}[data-requests="3"]`, { timeout: 3000 });
    assert.match((await page.textContent(cell('us', 'eu'))) ?? '', /3 req.*82\.0 ms TTFB/);
    assert.match((await page.textContent(cell('eu', 'eu'))) ?? '', /40 req.*2\.50 ms TTFB/);
    assert.match((await page.textContent(cell('ap', 'ap'))) ?? '', /0 req.*—/);

    // New numbers in the pongs reach the page with the next once-a-second summary.
    us1.report.clientRegions = [{ region: 'us', requests: 1234, ttfbMs: 3.2 }];
    await page.waitForSelector(`${cell('us', 'us')}[data-requests="1234"]`, { timeout: 3000 });
    assert.match((await page.textContent(cell('us', 'us'))) ?? '', /1,234 req.*3\.20 ms TTFB/);

    await mkdir(OUTPUT_DIR, { recursive: true });
    await page.screenshot({ path: `${OUTPUT_DIR}dashboard-regions.png`, fullPage: true });
    assert.deepEqual(pageErrors, [], 'no script errors on the page');
  });

  it('without a topology, shows no region groups and no matrix', async (t) => {
    const replicas = [await PongReplica.start(t, '127.1.0.3', { region: 'eu' })];
    const { adminUrl } = await balancerOver(t, replicas);
    const page = await openBrowserPage(t);
    await page.goto(adminUrl);
    await page.waitForSelector('[data-replica-id][data-state="up"]', { timeout: 5000 });
    assert.equal(await page.locator('[data-region-group]').count(), 0);
    assert.equal(await page.isVisible('[data-region-matrix]'), false);
    assert.equal(
      await page.locator('[data-replicas] > [data-replica-id]').count(),
      1,
      'the tiles sit in the box as before',
    );
  });
});
