import { join } from 'node:path';
import { BalancerSession, download, type Router } from '@cdn-lab/client';
import { KiB, startTestOrigin, writeObjects } from './fixtures.js';
import { nativeGet } from './native.js';
import { startCluster } from './roles.js';
import { median, repeat } from './stats.js';
import type { Benchmark, BenchResult } from './types.js';
import { withDir } from './workspace.js';

const REPLICAS = 5;
const CONCURRENCY = 16;

interface FailoverRun {
  downloads: number;
  failed: number;
  /** From the SIGKILL to the last route answer naming the dead replica (0: none after it). */
  lastRouteToDeadMs: number;
}

export const b5: Benchmark = {
  id: 'B5',
  title: 'failover: SIGKILL one of 5 replicas during a load',
  run: (settings) =>
    withDir(settings.tmpDir, 'b5', async (dir): Promise<BenchResult> => {
      const durationMs = settings.smoke ? 3000 : 30_000;
      const killAtMs = durationMs / 3;
      const root = join(dir, 'www');
      const paths = await writeObjects(root, 'f', 10, 256 * KiB);
      const origin = await startTestOrigin(root);
      try {
        const runs = await repeat(settings.runs, async (): Promise<FailoverRun> => {
          const cluster = await startCluster({ dir, originUrl: origin.url, replicas: REPLICAS });
          const victim = cluster.replicas[0];
          try {
            if (!victim) throw new Error('no replica');
            for (const replica of cluster.replicas) {
              for (const path of paths) await nativeGet(replica.host, replica.port, path);
            }
            const balancer = { host: cluster.balancer.host, port: cluster.balancer.port };
            let killedAt: number | null = null;
            let lastRouteToDead = 0;
            let downloads = 0;
            let failed = 0;
            const started = performance.now();
            const stopAt = started + durationMs;
            const worker = async (offset: number): Promise<void> => {
              const session = new BalancerSession(balancer);
              const router: Router = async (path) => {
                const answer = await session.route(path);
                if (killedAt !== null && answer.best.id === victim.id) {
                  lastRouteToDead = Math.max(lastRouteToDead, performance.now() - killedAt);
                }
                return answer;
              };
              try {
                for (let index = offset; performance.now() < stopAt; index += CONCURRENCY) {
                  const path = paths[index % paths.length] ?? null;
                  try {
                    await download({ balancer, path, sink: null, router, timeoutMs: 5000 });
                  } catch {
                    failed += 1;
                  }
                  downloads += 1;
                }
              } finally {
                session.close();
              }
            };
            const kill = (async () => {
              await new Promise((resolve) => setTimeout(resolve, killAtMs));
              killedAt = performance.now();
              await victim.kill();
            })();
            await Promise.all([kill, ...Array.from({ length: CONCURRENCY }, (_, i) => worker(i))]);
            return { downloads, failed, lastRouteToDeadMs: lastRouteToDead };
          } finally {
            await cluster.stop();
          }
        });
        const failed = median(runs.map((run) => run.failed));
        const worstFailed = Math.max(...runs.map((run) => run.failed));
        const lastRoute = median(runs.map((run) => run.lastRouteToDeadMs));
        const downloads = median(runs.map((run) => run.downloads));
        return {
          id: 'B5',
          title: b5.title,
          runs: settings.runs,
          rows: [
            {
              metric: 'downloads during the load',
              unit: 'downloads',
              ours: downloads,
              peer: null,
              peerName: null,
              ratio: null,
              goal: '',
              met: null,
            },
            {
              metric: `failed downloads (worst run: ${worstFailed})`,
              unit: 'failed',
              ours: failed,
              peer: null,
              peerName: null,
              ratio: null,
              goal: '0 failed',
              met: worstFailed === 0,
            },
            {
              metric: 'last route to the dead replica after the kill',
              unit: 'ms',
              ours: lastRoute,
              peer: 1000,
              peerName: 'goal',
              ratio: lastRoute / 1000,
              goal: '≤ 1 000 ms',
              met: lastRoute <= 1000,
            },
          ],
          commands: [
            `${REPLICAS} replica processes + balancer (default strategy, probe every 250 ms, fall 2); ` +
              `${CONCURRENCY} workers downloading 256 KiB objects (verified) for ${durationMs / 1000} s; ` +
              `SIGKILL of one replica at ${killAtMs / 1000} s`,
          ],
          notes: settings.smoke ? ['smoke: shortened load'] : [],
        };
      } finally {
        await origin.close();
      }
    }),
};
