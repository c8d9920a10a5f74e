import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startBalancer, type BalancerHandle } from '@cdn-lab/balancer';
import { tempDir } from './helpers.js';
import type { PongReplica } from './pong-replica.js';

const CHROMIUM = '/usr/bin/chromium';
export const OUTPUT_DIR = fileURLToPath(new URL('../../../../test-output/', import.meta.url));

type TestContext = Parameters<typeof tempDir>[0];

/** A balancer with its admin server (and dashboard) over these replicas, and its shields. */
export async function balancerOver(
  t: TestContext,
  replicas: PongReplica[],
  options: { topology?: string; shields?: PongReplica[] } = {},
): Promise<{ balancer: BalancerHandle; adminUrl: string }> {
  const dir = await tempDir(t);
  const listing = (list: PongReplica[]) => `${list.map((replica) => replica.id).join('\n')}\n`;
  const serversFile = join(dir, 'servers.txt');
  await writeFile(serversFile, listing(replicas));
  const shields = options.shields ?? [];
  const shieldsFile = join(dir, 'shields.txt');
  if (options.shields) await writeFile(shieldsFile, listing(shields));
  const balancer = await startBalancer({
    port: 0,
    serversFile,
    probeIntervalMs: 100,
    admin: { port: 0, host: '127.0.0.1' },
    ...(options.topology ? { topology: options.topology } : {}),
    ...(options.shields ? { shieldsFile } : {}),
  });
  t.after(() => balancer.close());
  const upCount = (): number =>
    [...balancer.snapshot(), ...balancer.shields()].filter((r) => r.state === 'up').length;
  while (upCount() < replicas.length + shields.length) {
    await Promise.race([
      once(balancer.events, 'replica-state'),
      once(balancer.events, 'shield-state'),
    ]);
  }
  const adminUrl = balancer.admin?.url;
  assert.ok(adminUrl);
  return { balancer, adminUrl };
}

export async function openBrowserPage(t: TestContext, height = 1000) {
  // The profile goes only once the browser is closed (after-hooks run in the order they were
  // added, so a tempDir() hook would remove it under a running browser: ENOTEMPTY).
  const profile = await mkdtemp(join(tmpdir(), 'cdn-lab-browser-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1200, height },
  });
  t.after(async () => {
    await closeBrowser(browser);
    await rm(profile, { recursive: true, force: true });
  });
  return browser.newPage();
}

const BROWSER_CLOSE_LIMIT_MS = 10_000;

async function closeBrowser(browser: { close(): Promise<void> }): Promise<void> {
  const closed = browser.close();
  const inTime = await Promise.race([
    closed.then(() => true),
    delay(BROWSER_CLOSE_LIMIT_MS, false, { ref: false }),
  ]);
  if (inTime) return;
  // Chromium once hung on close (no renderer left) and held the test file open for good.
  for (const pid of await chromiumChildren()) process.kill(pid, 'SIGKILL');
  await closed;
}

/** The Chromium processes this test process started (its children named chromium). */
async function chromiumChildren(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // "pid (comm) state ppid …": the name may hold spaces, so split after its last ')'.
    const nameEnd = stat.lastIndexOf(')');
    const name = stat.slice(stat.indexOf('(') + 1, nameEnd);
    const parent = Number(stat.slice(nameEnd + 2).split(' ')[1]);
    if (parent === process.pid && name.startsWith('chromium')) pids.push(Number(entry));
  }
  return pids;
}

type Page = Awaited<ReturnType<typeof openBrowserPage>>;

/** What the routes chart shows: drawn by uPlot, its lines, and the pixels in their colours. */
export interface RoutesChart {
  uplot: boolean;
  series: number;
  samples: number;
  /** Pixels of the chart's canvas in one of the legend's colours: the lines and their dots. */
  linePixels: number;
}

// Runs in the page (a string: the tests compile without the DOM's types), after the frame the
// dashboard draws in.
const READ_ROUTES_CHART = `new Promise((drawn) => requestAnimationFrame(() => requestAnimationFrame(drawn))).then(() => {
  const box = document.querySelector('[data-routes-chart]');
  const canvas = box.querySelector('.uplot canvas');
  const colours = [...document.querySelectorAll('[data-chart-legend] [data-series-id] i')].map(
    (swatch) => getComputedStyle(swatch).backgroundColor.match(/\\d+/g).slice(0, 3).map(Number),
  );
  let linePixels = 0;
  if (canvas) {
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let at = 0; at < pixels.length; at += 4) {
      const close = (colour) => colour.every((channel, i) => Math.abs(channel - pixels[at + i]) <= 8);
      if (pixels[at + 3] > 200 && colours.some(close)) linePixels += 1;
    }
  }
  return {
    uplot: typeof window.uPlot === 'function' && canvas !== null,
    series: Number(box.dataset.series),
    samples: Number(box.dataset.samples),
    linePixels,
  };
})`;

/** Reads the chart off the page (`data-series` and `data-samples` come from the chart). */
export function routesChart(page: Page): Promise<RoutesChart> {
  return page.evaluate<RoutesChart>(READ_ROUTES_CHART);
}
