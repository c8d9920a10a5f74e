import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { DEFAULT_TOPOLOGY_FILE } from '@cdn-lab/common';
import { OUTPUT_DIR, balancerOver, openBrowserPage } from './dashboard-page.js';
import { PongReplica } from './pong-replica.js';

const counters = (hits: number, misses: number, parentFetches: number, originFetches: number) => ({
  ...{ hits, misses, parentFetches, originFetches },
});

const tierField = (tier: string, field: string): string =>
  `[data-tier-flow] [data-tier="${tier}"] [data-field="${field}"]`;

describe('the dashboard tier view in a real browser', () => {
  it('shows edges by region, the shields and the origin, with hit ratios and parents, live', async (t) => {
    const shields = await Promise.all([
      PongReplica.start(t, '127.0.2.1', { region: 'eu', tier: 'shield', ...counters(6, 4, 0, 4) }),
      PongReplica.start(t, '127.0.2.2', { region: 'eu', tier: 'shield', ...counters(6, 2, 0, 2) }),
    ]);
    const [shield1, shield2] = shields;
    assert.ok(shield1 && shield2);
    const firstParent = { id: shield1.id, state: 'up' as const };
    const parents = [firstParent, { id: shield2.id, state: 'up' as const }];
    const edges = await Promise.all([
      PongReplica.start(t, '127.1.0.1', {
        region: 'eu',
        tier: 'edge',
        ...counters(80, 10, 10, 0),
        parents,
      }),
      PongReplica.start(t, '127.1.0.2', {
        region: 'eu',
        tier: 'edge',
        ...counters(20, 0, 0, 0),
        parents,
      }),
      PongReplica.start(t, '127.2.0.1', {
        region: 'us',
        tier: 'edge',
        ...counters(20, 10, 9, 1),
        parents,
      }),
    ]);
    const [eu1, , us1] = edges;
    assert.ok(eu1 && us1);
    const { adminUrl } = await balancerOver(t, edges, { topology: DEFAULT_TOPOLOGY_FILE, shields });

    const page = await openBrowserPage(t);
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(adminUrl);
    await page.waitForSelector('[data-tiers]:not([hidden]) [data-tier="shield"]', {
      timeout: 5000,
    });
    assert.deepEqual(
      await page.$$eval('[data-tier-flow] [data-tier]', (cards) =>
        cards.map((card) => card.getAttribute('data-tier')),
      ),
      ['edge', 'shield', 'origin'],
      'from the clients to the origin',
    );
    assert.equal(await page.textContent(tierField('edge', 'hit-ratio')), '85.7 %', '120 of 140');
    assert.equal(await page.textContent(tierField('shield', 'hit-ratio')), '66.7 %', '12 of 18');
    assert.equal(await page.textContent(tierField('edge', 'parent-fetches')), '19');
    assert.equal(await page.textContent(tierField('shield', 'origin-fetches')), '6');
    assert.match((await page.textContent(tierField('origin', 'origin-fetches'))) ?? '', /^7\b/);

    // The edges stay grouped by region; the shields have their own tiles, never routed to.
    assert.equal(await page.locator('[data-region-group="eu"] [data-replica-id]').count(), 2);
    assert.equal(await page.locator('[data-region-group="us"] [data-replica-id]').count(), 1);
    assert.equal(await page.locator('[data-replicas] [data-replica-id^="127.0.2."]').count(), 0);
    const shieldTile = `[data-shields] [data-replica-id="${shield1.id}"]`;
    await page.waitForSelector(`${shieldTile}[data-state="up"]`, { timeout: 3000 });
    assert.match((await page.textContent(shieldTile)) ?? '', /never routed to/);
    const parentBadge = (edge: PongReplica, parent: PongReplica) =>
      `[data-replica-id="${edge.id}"] [data-parent-id="${parent.id}"]`;
    assert.equal(await page.getAttribute(parentBadge(us1, shield2), 'data-parent-state'), 'up');

    // "Now" counts changes from the balancer's first sample of a replica on: wait until it has
    // two (the page names the span), or a change made before the first would never show.
    await page.waitForSelector('[data-recent-seconds]:not(:text-is("few"))', { timeout: 5000 });
    // The edges ask their parents 100 more times, 90 of them hits: "now" shows just those.
    eu1.report = { ...eu1.report, ...counters(170, 20, 20, 0) };
    await page.waitForSelector(`${tierField('edge', 'recent-hit-ratio')}:text-is("90.0 %")`, {
      timeout: 5000,
    });
    assert.equal(await page.textContent(tierField('edge', 'hit-ratio')), '87.5 %', '210 of 240');

    // A parent an edge stopped asking, and a shield that goes down, show at once.
    us1.report = { ...us1.report, parents: [firstParent, { id: shield2.id, state: 'failed' }] };
    await page.waitForSelector(`${parentBadge(us1, shield2)}[data-parent-state="failed"]`, {
      timeout: 3000,
    });
    const shield2Id = shield2.id;
    await shield2.close();
    await page.waitForSelector(
      `[data-shields] [data-replica-id="${shield2Id}"][data-state="down"]`,
      {
        timeout: 5000,
      },
    );
    await page.waitForSelector('[data-tier-flow] [data-tier="shield"] h3:has-text("1/2 up")', {
      timeout: 3000,
    });

    await mkdir(OUTPUT_DIR, { recursive: true });
    await page.screenshot({ path: `${OUTPUT_DIR}dashboard-tiers.png`, fullPage: true });
    assert.deepEqual(pageErrors, [], 'no script errors on the page');
  });

  it('without shields or other tiers, shows no tier panel and no shields', async (t) => {
    const edges = [
      await PongReplica.start(t, '127.1.0.4', { tier: 'edge', ...counters(1, 1, 0, 1) }),
    ];
    const { adminUrl } = await balancerOver(t, edges);
    const page = await openBrowserPage(t);
    await page.goto(adminUrl);
    await page.waitForSelector('[data-replica-id][data-state="up"]', { timeout: 5000 });
    assert.equal(await page.isVisible('[data-tiers]'), false);
    assert.equal(await page.isVisible('[data-shields-section]'), false);
    assert.equal(await page.textContent('[data-replica-id] [data-field="hit-ratio"]'), '50.0 %');
  });
});
