import { join } from 'node:path';
import { DEFAULT_STRATEGY, strategyNamesFor } from '@cdn-lab/balancer';
import { runLoad } from '@cdn-lab/client';
import { KiB, startTestOrigin, writeObjects } from './fixtures.js';
import { nativeGet } from './native.js';
import { startCluster } from './roles.js';
import { median, repeat } from './stats.js';
import type { Benchmark, BenchResult, ResultRow } from './types.js';
import { withDir } from './workspace.js';

export const B4_DELAY_MS = 50;
const REPLICAS = 5;

export const b4: Benchmark = {
  id: 'B4',
  title: `balancing quality: 5 replicas, one with +${B4_DELAY_MS} ms, p99 per strategy`,
  run: (settings) =>
    withDir(settings.tmpDir, 'b4', async (dir): Promise<BenchResult> => {
      const fetches = settings.smoke ? 120 : 2000;
      const concurrency = settings.smoke ? 8 : 32;
      const warmup = settings.smoke ? 40 : 1000;
      const root = join(dir, 'www');
      const paths = await writeObjects(root, 'obj', settings.smoke ? 5 : 20, 16 * KiB);
      const origin = await startTestOrigin(root);
      const cluster = await startCluster({ dir, originUrl: origin.url, replicas: REPLICAS });
      const slow = cluster.replicas[0];
      try {
        if (!slow) throw new Error('no replica');
        for (const replica of cluster.replicas) {
          for (const path of paths) await nativeGet(replica.host, replica.port, path);
        }
        const load = (requests: number) =>
          runLoad({
            balancer: { host: cluster.balancer.host, port: cluster.balancer.port },
            paths,
            requests,
            concurrency,
          });
        /** A warm-up load (not measured) first: the balancer learns the new state of things. */
        const p99 = async (): Promise<{ p99: number; slowShare: number }> => {
          await load(warmup);
          const report = await load(fetches);
          if (report.failed > 0) throw new Error(`B4: ${report.failed} fetches failed`);
          const slowShare = (report.perReplica[slow.id] ?? 0) / Math.max(1, report.ok);
          return { p99: report.latencyMs.p99, slowShare };
        };
        const rows: ResultRow[] = [];
        const p99ByStrategy: Record<string, number> = {};
        const shares: string[] = [];
        for (const strategy of strategyNamesFor(false)) {
          await cluster.balancer.command({ kind: 'strategy', name: strategy });
          const runs = await repeat(settings.runs, async () => {
            await slow.command({ kind: 'faults', faults: {} });
            const healthy = (await p99()).p99;
            await slow.command({ kind: 'faults', faults: { delayMs: B4_DELAY_MS } });
            const faulty = await p99();
            await slow.command({ kind: 'faults', faults: {} });
            return { healthy, faulty: faulty.p99, slowShare: faulty.slowShare };
          });
          const healthy = median(runs.map((run) => run.healthy));
          const faulty = median(runs.map((run) => run.faulty));
          const share = median(runs.map((run) => run.slowShare));
          shares.push(`${strategy} ${(share * 100).toFixed(1)}%`);
          p99ByStrategy[strategy] = faulty;
          const isDefault = strategy === DEFAULT_STRATEGY;
          rows.push({
            metric: `p99 with one slow replica, ${strategy}${isDefault ? ' (default)' : ''}`,
            unit: 'ms',
            ours: faulty,
            peer: healthy,
            peerName: 'all healthy',
            ratio: healthy > 0 ? faulty / healthy : null,
            goal: isDefault ? '≤ 1.3 × all-healthy p99' : '',
            met: isDefault && healthy > 0 ? faulty / healthy <= 1.3 : null,
          });
        }
        const best = Object.entries(p99ByStrategy).sort((a, b) => a[1] - b[1])[0];
        return {
          id: 'B4',
          title: b4.title,
          runs: settings.runs,
          rows,
          commands: [
            `${REPLICAS} replica processes + balancer process; ${paths.length} objects of 16 KiB, ` +
              `cached everywhere; runLoad ${fetches} fetches at concurrency ${concurrency}; ` +
              `POST-equivalent faults {delayMs: ${B4_DELAY_MS}} on one replica; every strategy, ` +
              `healthy then faulty, in each run, each after an unmeasured warm-up of ${warmup} fetches`,
          ],
          notes: [
            `share of fetches the slow replica served (median): ${shares.join(', ')}`,
            `lowest p99 with the slow replica: ${best?.[0] ?? '?'} (${best?.[1].toFixed(1) ?? '?'} ms)`,
          ],
        };
      } finally {
        await cluster.stop();
        await origin.close();
      }
    }),
};
