import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { startBalancer, type BalancerHandle } from '@cdn-lab/balancer';
import { DEFAULT_TOPOLOGY_FILE } from '@cdn-lab/common';
import { FrameDecoder, encodeMessage, type ClientRegionServed } from '@cdn-lab/protocol';
import { tempDir } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT_DIR = fileURLToPath(new URL('../../../../test-output/', import.meta.url));

type TestContext = Parameters<typeof tempDir>[0];

/**
 * A replica that only answers probes, reporting a region and what it served per client region
 * (what replicas started with --region report; the page needs nothing else from them).
 */
class RegionPongs {
  clientRegions: ClientRegionServed[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly server: Server,
    readonly region: string,
  ) {
    server.on('connection', (socket) => this.answer(socket));
  }

  static async start(t: TestContext, host: string, region: string): Promise<RegionPongs> {
    const server = createServer();
    const replica = new RegionPongs(server, region);
    server.listen(0, host);
    await once(server, 'listening');
    t.after(() => replica.close());
    return replica;
  }

  get id(): string {
    const { address, port } = this.server.address() as AddressInfo;
    return `${address}:${port}`;
  }

  private answer(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const decoder = new FrameDecoder({ expectPreamble: true });
    socket.on('data', (chunk: Buffer) => {
      for (const message of decoder.push(chunk).messages) {
        if (message.type !== 'ping') continue;
        const load = {
          ...{ activeTransfers: 0, activeConnections: 1, bytesPerSecond: 0, eventLoopLagMs: 0 },
          ...{ draining: false, cachedObjects: 0, cachedBytes: 0, region: this.region },
          ...(this.clientRegions.length > 0 ? { clientRegions: this.clientRegions } : {}),
        };
        socket.write(encodeMessage({ type: 'pong', seq: message.seq, load }));
      }
    });
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function balancerOver(
  t: TestContext,
  replicas: RegionPongs[],
  topology?: string,
): Promise<{ balancer: BalancerHandle; adminUrl: string }> {
  const serversFile = join(await tempDir(t), 'servers.txt');
  await writeFile(serversFile, `${replicas.map((replica) => replica.id).join('\n')}\n`);
  const balancer = await startBalancer({
    port: 0,
    serversFile,
    probeIntervalMs: 100,
    admin: { port: 0, host: '127.0.0.1' },
    ...(topology ? { topology } : {}),
  });
  t.after(() => balancer.close());
  const upCount = (): number => balancer.snapshot().filter((r) => r.state === 'up').length;
  while (upCount() < replicas.length) await once(balancer.events, 'replica-state');
  const adminUrl = balancer.admin?.url;
  assert.ok(adminUrl);
  return { balancer, adminUrl };
}

async function openBrowserPage(t: TestContext) {
  const browser = await chromium.launchPersistentContext(await tempDir(t), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    viewport: { width: 1200, height: 1000 },
  });
  t.after(() => browser.close());
  return browser.newPage();
}

const cell = (client: string, serving: string): string =>
  `[data-region-matrix] td[data-client-region="${client}"][data-serving-region="${serving}"]`;

describe('the dashboard region view in a real browser', () => {
  it('groups the tiles by region and shows the client × serving matrix, live', async (t) => {
    const replicas = await Promise.all([
      RegionPongs.start(t, '127.1.0.1', 'eu'),
      RegionPongs.start(t, '127.1.0.2', 'eu'),
      RegionPongs.start(t, '127.2.0.1', 'us'),
      RegionPongs.start(t, '127.3.0.1', 'ap'),
    ]);
    const [eu1, , us1] = replicas;
    assert.ok(eu1 && us1);
    eu1.clientRegions = [
      { region: 'eu', requests: 40, ttfbMs: 2.5 },
      { region: 'us', requests: 3, ttfbMs: 82 },
    ];
    const { adminUrl } = await balancerOver(t, replicas, DEFAULT_TOPOLOGY_FILE);

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

    await page.waitForSelector(`${cell('us', 'eu')}[data-requests="3"]`, { timeout: 3000 });
    assert.match((await page.textContent(cell('us', 'eu'))) ?? '', /3 req.*82\.0 ms TTFB/);
    assert.match((await page.textContent(cell('eu', 'eu'))) ?? '', /40 req.*2\.50 ms TTFB/);
    assert.match((await page.textContent(cell('ap', 'ap'))) ?? '', /0 req.*—/);

    // New numbers in the pongs reach the page with the next once-a-second summary.
    us1.clientRegions = [{ region: 'us', requests: 1234, ttfbMs: 3.2 }];
    await page.waitForSelector(`${cell('us', 'us')}[data-requests="1234"]`, { timeout: 3000 });
    assert.match((await page.textContent(cell('us', 'us'))) ?? '', /1,234 req.*3\.20 ms TTFB/);

    await mkdir(OUTPUT_DIR, { recursive: true });
    await page.screenshot({ path: `${OUTPUT_DIR}dashboard-regions.png`, fullPage: true });
    assert.deepEqual(pageErrors, [], 'no script errors on the page');
  });

  it('without a topology, shows no region groups and no matrix', async (t) => {
    const replicas = [await RegionPongs.start(t, '127.1.0.3', 'eu')];
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
