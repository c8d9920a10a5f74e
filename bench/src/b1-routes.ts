import { join } from 'node:path';
import { writeObjects, startTestOrigin, KiB } from './fixtures.js';
import { newConnectionRoutes, pipelinedRoutes } from './native.js';
import { cpuSeconds, startCluster } from './roles.js';
import { median, repeat } from './stats.js';
import type { Benchmark, BenchResult } from './types.js';
import { deadlineIn, withDir } from './workspace.js';

const PIPELINED_CONNECTIONS = 64;
const PIPELINE_WINDOW = 16;
const NEW_CONNECTION_WORKERS = 32;

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
        const fresh = await repeat(settings.runs, async () => {
          const started = performance.now();
          const stopAt = deadlineIn(seconds * 1000);
          const counts = await Promise.all(
            Array.from({ length: NEW_CONNECTION_WORKERS }, () =>
              newConnectionRoutes(host, port, path, stopAt),
            ),
          );
          const total = counts.reduce((sum, count) => sum + count, 0);
          return total / ((performance.now() - started) / 1000);
        });
        const pipelinedRate = median(pipelined.map((run) => run.perSecond));
        const perCore = median(pipelined.map((run) => run.perCpuSecond));
        const freshRate = median(fresh);
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
              peer: 100_000,
              peerName: 'goal',
              ratio: perCore / 100_000,
              goal: '≥ 100 000/s on one core',
              met: perCore >= 100_000,
            },
            {
              metric: `new connection per route (${NEW_CONNECTION_WORKERS} at once)`,
              unit: 'routes/s',
              ours: freshRate,
              peer: 10_000,
              peerName: 'goal',
              ratio: freshRate / 10_000,
              goal: '≥ 10 000/s',
              met: freshRate >= 10_000,
            },
          ],
          commands: [
            `balancer process (default strategy, 3 replicas); ${PIPELINED_CONNECTIONS} connections × ` +
              `${PIPELINE_WINDOW} pipelined route frames for ${seconds} s; ` +
              `${NEW_CONNECTION_WORKERS} loops of connect+route+close for ${seconds} s`,
          ],
          notes: ['per core = routes answered ÷ the balancer process user+system CPU seconds'],
        };
      } finally {
        await cluster.stop();
        await origin.close();
      }
    }),
};
