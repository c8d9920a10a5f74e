import { join } from 'node:path';
import { encodeMessage } from '@cdn-lab/protocol';
import { writeObjects, startTestOrigin, KiB } from './fixtures.js';
import { newConnectionRoutes, pipelinedRoutes } from './native.js';
import { startAcceptLoopPeer } from './peer-accept-loop.js';
import { cpuSeconds, startCluster, type RoleProcess } from './roles.js';
import { median, ratioOf, repeat } from './stats.js';
import type { Benchmark, BenchResult } from './types.js';
import { deadlineIn, withDir } from './workspace.js';

const PIPELINED_CONNECTIONS = 64;
const PIPELINE_WINDOW = 16;
const NEW_CONNECTION_WORKERS = 32;
const PIPELINED_GOAL = 150_000;
const NEW_CONNECTION_GOAL = 10_000;
const OF_BARE_NODE_GOAL = 0.9;

/** The bare net.Server peer's answer: a route-ok frame naming these replicas. */
function routeAnswerOf(replicas: readonly RoleProcess[]): Buffer {
  const [best, ...alternates] = replicas.map(({ id, host, port }) => ({ id, host, port }));
  if (!best) throw new Error('B1 needs a replica');
  return encodeMessage({
    type: 'route-ok',
    best,
    alternates,
    strategy: 'consistent',
    reason: 'owner by rendezvous hash (0 in flight, bound 1)',
  });
}

/** Routes/s of NEW_CONNECTION_WORKERS loops of connect + route + close against one port. */
async function newConnectionRate(
  host: string,
  port: number,
  path: string,
  seconds: number,
): Promise<number> {
  const started = performance.now();
  const stopAt = deadlineIn(seconds * 1000);
  const counts = await Promise.all(
    Array.from({ length: NEW_CONNECTION_WORKERS }, () =>
      newConnectionRoutes(host, port, path, stopAt),
    ),
  );
  const total = counts.reduce((sum, count) => sum + count, 0);
  return total / ((performance.now() - started) / 1000);
}

export const b1: Benchmark = {
  id: 'B1',
  title: 'route decisions/s (native, pipelined on 64 connections; one connection per route)',
  run: (settings) =>
    withDir(settings.tmpDir, 'b1', async (dir): Promise<BenchResult> => {
      const seconds = settings.smoke ? 0.3 : 2;
      const root = join(dir, 'www');
      const [path = '/o0.bin'] = await writeObjects(root, 'o', 1, KiB);
      const origin = await startTestOrigin(root);
      const cluster = await startCluster({ dir, originUrl: origin.url, replicas: 3 });
      const { host, port, pid } = cluster.balancer;
      const bareNode = await startAcceptLoopPeer(routeAnswerOf(cluster.replicas));
      try {
        const pipelined = await repeat(settings.runs, async () => {
          const cpuBefore = await cpuSeconds(pid);
          const started = performance.now();
          const stopAt = deadlineIn(seconds * 1000);
          const counts = await Promise.all(
            Array.from({ length: PIPELINED_CONNECTIONS }, () =>
              pipelinedRoutes(host, port, path, PIPELINE_WINDOW, stopAt),
            ),
          );
          const elapsed = (performance.now() - started) / 1000;
          const total = counts.reduce((sum, count) => sum + count, 0);
          const cpu = (await cpuSeconds(pid)) - cpuBefore;
          return { perSecond: total / elapsed, perCpuSecond: cpu > 0 ? total / cpu : 0 };
        });
        // Turn about, so neither side always runs second (after the other's TIME_WAIT sockets).
        const fresh = await repeat(settings.runs, async (run) => {
          const ours = (): Promise<number> => newConnectionRate(host, port, path, seconds);
          const peer = (): Promise<number> => newConnectionRate(host, bareNode.port, path, seconds);
          if (run % 2 === 1) {
            const bareNodeRate = await peer();
            return { ours: await ours(), bareNode: bareNodeRate };
          }
          const oursRate = await ours();
          return { ours: oursRate, bareNode: await peer() };
        });
        const pipelinedRate = median(pipelined.map((run) => run.perSecond));
        const perCore = median(pipelined.map((run) => run.perCpuSecond));
        const freshRate = median(fresh.map((run) => run.ours));
        const bareNodeRate = median(fresh.map((run) => run.bareNode));
        const ofBareNode = ratioOf(freshRate, bareNodeRate);
        // One goal, met either way: an absolute rate, or close to Node's own ceiling here.
        const freshMet =
          freshRate >= NEW_CONNECTION_GOAL ||
          (ofBareNode !== null && ofBareNode >= OF_BARE_NODE_GOAL);
        return {
          id: 'B1',
          title: b1.title,
          runs: settings.runs,
          rows: [
            {
              metric: 'pipelined routes/s (wall clock, 2 cores shared with the client)',
              unit: 'routes/s',
              ours: pipelinedRate,
              peer: null,
              peerName: null,
              ratio: null,
              goal: '',
              met: null,
            },
            {
              metric: 'pipelined routes per balancer CPU-second (one core)',
              unit: 'routes/s',
              ours: perCore,
              peer: PIPELINED_GOAL,
              peerName: 'goal',
              ratio: perCore / PIPELINED_GOAL,
              goal: '≥ 150 000/s on one core',
              met: perCore >= PIPELINED_GOAL,
            },
            {
              metric: `new connection per route (${NEW_CONNECTION_WORKERS} at once)`,
              unit: 'routes/s',
              ours: freshRate,
              peer: NEW_CONNECTION_GOAL,
              peerName: 'goal',
              ratio: freshRate / NEW_CONNECTION_GOAL,
              goal: '≥ 10 000/s, or the next row',
              met: freshMet,
            },
            {
              metric: 'new connection per route vs a bare Node net.Server (same client)',
              unit: 'routes/s',
              ours: freshRate,
              peer: bareNodeRate,
              peerName: 'bare net.Server',
              ratio: ofBareNode,
              goal: '≥ 0.9 × bare net.Server, or the row above',
              met: freshMet,
            },
          ],
          commands: [
            `balancer process (default strategy, 3 replicas); ${PIPELINED_CONNECTIONS} connections × ` +
              `${PIPELINE_WINDOW} pipelined route frames for ${seconds} s; ` +
              `${NEW_CONNECTION_WORKERS} loops of connect+route+close for ${seconds} s`,
            'the same connect+route+close loops against a bare `net.createServer` in its own ' +
              'process that writes one pre-built route-ok frame per chunk received',
          ],
          notes: ['per core = routes answered ÷ the balancer process user+system CPU seconds'],
        };
      } finally {
        await bareNode.stop();
        await cluster.stop();
        await origin.close();
      }
    }),
};
