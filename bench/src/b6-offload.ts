import { join } from 'node:path';
import { strategyNamesFor } from '@cdn-lab/balancer';
import { runLoad } from '@cdn-lab/client';
import { KiB, startTestOrigin, writeObjects } from './fixtures.js';
import { startCluster } from './roles.js';
import { median, repeat } from './stats.js';
import type { Benchmark, BenchResult, ResultRow } from './types.js';
import { withDir } from './workspace.js';
import { seededRandom, zipfSequence } from '@cdn-lab/common';

const REPLICAS = 5;
const ZIPF_S = 1.0;

export const b6: Benchmark = {
  id: 'B6',
  title: 'origin offload: 500 objects, Zipf(1.0) access, 5 replicas, origin fetches per strategy',
  run: (settings) =>
    withDir(settings.tmpDir, 'b6', async (dir): Promise<BenchResult> => {
      const objects = settings.smoke ? 40 : 500;
      const requests = settings.smoke ? 200 : 3000;
      const concurrency = 16;
      const root = join(dir, 'www');
      const names = await writeObjects(root, 'z', objects, 4 * KiB);
      const origin = await startTestOrigin(root);
      const rows: ResultRow[] = [];
      try {
        for (const strategy of strategyNamesFor(false)) {
          const runs = await repeat(settings.runs, async (run) => {
            const draws = zipfSequence(objects, ZIPF_S, requests, seededRandom(1000 + run));
            const paths = draws.map((rank) => names[rank] ?? '/z0.bin');
            const distinct = new Set(paths).size;
            const cluster = await startCluster({
              dir,
              originUrl: origin.url,
              replicas: REPLICAS,
              strategy,
            });
            try {
              const before = origin.requests;
              const report = await runLoad({
                balancer: { host: cluster.balancer.host, port: cluster.balancer.port },
                paths,
                requests,
                concurrency,
              });
              if (report.failed > 0) throw new Error(`B6: ${report.failed} fetches failed`);
              return { fetches: origin.requests - before, distinct };
            } finally {
              await cluster.stop();
            }
          });
          const fetches = median(runs.map((run) => run.fetches));
          const distinct = median(runs.map((run) => run.distinct));
          const ratio = fetches / distinct;
          const isConsistent = strategy === 'consistent';
          rows.push({
            metric: `origin fetches, ${strategy}`,
            unit: 'fetches',
            ours: fetches,
            peer: distinct,
            peerName: 'distinct objects',
            ratio,
            goal: isConsistent ? '≤ 1.1 × distinct objects' : '',
            met: isConsistent ? ratio <= 1.1 : null,
          });
        }
        return {
          id: 'B6',
          title: b6.title,
          runs: settings.runs,
          rows,
          commands: [
            `${objects} objects of 4 KiB; ${requests} fetches drawn Zipf(s=${ZIPF_S}) with a fixed ` +
              `seed per run (same sequence for every strategy); runLoad at concurrency ${concurrency}; ` +
              `fresh replica processes (empty caches) for every strategy and run; origin requests counted`,
          ],
          notes: ['distinct objects = objects the sequence touched (the least any CDN must fetch)'],
        };
      } finally {
        await origin.close();
      }
    }),
};
