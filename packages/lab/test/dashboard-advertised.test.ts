import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { balancerOver, openBrowserPage } from './dashboard-page.js';
import { PongReplica } from './pong-replica.js';

describe('the dashboard and advertised addresses, in a real browser', () => {
  it('shows the address a replica advertises to clients outside on its tile, and none on the others', async (t) => {
    const edge = await PongReplica.start(t, '127.0.5.1', {
      advertised: { host: '2001:db8::7', port: 9100 },
    });
    const plain = await PongReplica.start(t, '127.0.5.2', {});
    const { adminUrl } = await balancerOver(t, [edge, plain]);
    const page = await openBrowserPage(t);
    await page.goto(adminUrl);
    const tile = (id: string) => `[data-replica-id="${id}"]`;
    await page.waitForSelector(`${tile(edge.id)}[data-advertised="[2001:db8::7]:9100"]`, {
      timeout: 5000,
    });
    const badges = (id: string) =>
      page.$$eval(`${tile(id)} .badge.advertised`, (spans) => spans.map((s) => s.textContent));
    assert.deepEqual(await badges(edge.id), ['outside: [2001:db8::7]:9100']);
    assert.deepEqual(await badges(plain.id), []);
  });
});
