import { spawnRole } from '@cdn-lab/lab';
import { join } from 'node:path';
import { MiB, startTestOrigin, writeObjects } from './fixtures.js';
import { nativeGet } from './native.js';
import { peakRssBytes } from './roles.js';
import { median, repeat } from './stats.js';
import type { Benchmark, BenchResult } from './types.js';
import { withDir } from './workspace.js';

const MB = 1e6;
const GOAL_MB = 150;

export const b7: Benchmark = {
  id: 'B7',
  title: 'memory: replica serving 16 concurrent 64 MiB downloads, peak RSS (VmHWM)',
  run: (settings) =>
    withDir(settings.tmpDir, 'b7', async (dir): Promise<BenchResult> => {
      const size = settings.smoke ? 4 * MiB : 64 * MiB;
      const downloads = settings.smoke ? 4 : 16;
      const root = join(dir, 'www');
      const [path = '/m0.bin'] = await writeObjects(root, 'm', 1, size);
      const origin = await startTestOrigin(root);
      try {
        const runs = await repeat(settings.runs, async () => {
          // The real `cdn-replica` program (what a user runs), so its process is measured alone.
          const replica = await spawnRole('replica', 'replica', [
            ...['--host', '127.0.0.1', '-p', '0', '--origin', origin.url],
          ]);
          try {
            const pid = replica.child.pid ?? -1;
            const { host, port } = replica.ready;
            const idlePeak = await peakRssBytes(pid);
            await nativeGet(host, port, path);
            const cachedPeak = await peakRssBytes(pid);
            const sizes = await Promise.all(
              Array.from({ length: downloads }, () => nativeGet(host, port, path)),
            );
            if (sizes.some((got) => got !== size)) throw new Error('B7: a download came up short');
            return { idlePeak, cachedPeak, peak: await peakRssBytes(pid) };
          } finally {
            await replica.stop();
          }
        });
        const peak = median(runs.map((run) => run.peak)) / MB;
        const cached = median(runs.map((run) => run.cachedPeak)) / MB;
        const idle = median(runs.map((run) => run.idlePeak)) / MB;
        return {
          id: 'B7',
          title: b7.title,
          runs: settings.runs,
          rows: [
            {
              metric: 'peak RSS of the idle replica (started, nothing cached)',
              unit: 'MB',
              ours: idle,
              peer: null,
              peerName: null,
              ratio: null,
              goal: '',
              met: null,
            },
            {
              metric: 'peak RSS after caching the object (one download)',
              unit: 'MB',
              ours: cached,
              peer: null,
              peerName: null,
              ratio: null,
              goal: '',
              met: null,
            },
            {
              metric: `peak RSS serving ${downloads} downloads at once`,
              unit: 'MB',
              ours: peak,
              peer: GOAL_MB,
              peerName: 'goal',
              ratio: peak / GOAL_MB,
              goal: `≤ ${GOAL_MB} MB`,
              met: peak <= GOAL_MB,
            },
          ],
          commands: [
            `fresh cdn-replica process per run (node packages/replica/dist/src/cli.js --host 127.0.0.1 -p 0 --origin URL); ${size / MiB} MiB object fetched once, then ${downloads} ` +
              `native downloads at once from the suite process; VmHWM from /proc/<pid>/status`,
          ],
          notes: [
            'MB = 10^6 bytes; the cached object itself is part of the RSS',
            `growth from the ${downloads} downloads at once: ${(peak - cached).toFixed(1)} MB`,
          ],
        };
      } finally {
        await origin.close();
      }
    }),
};
