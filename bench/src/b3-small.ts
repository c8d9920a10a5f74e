import { join } from 'node:path';
import { KiB, startTestOrigin, writeObjects } from './fixtures.js';
import { httpGet } from './http-get.js';
import { findBinary, startNginx, wrkRequestsPerSecond } from './peers.js';
import { RoleProcess } from './roles.js';
import { median, ratioOf, repeat } from './stats.js';
import type { Benchmark, BenchResult } from './types.js';
import { withDir } from './workspace.js';

const CONNECTIONS = 64;
const FALLBACK_REQUESTS = 200;

/** Without wrk (smoke runs only): sequential GETs, one connection each. */
async function sequentialRate(port: number, path: string): Promise<number> {
  const started = performance.now();
  for (let index = 0; index < FALLBACK_REQUESTS; index += 1) await httpGet('127.0.0.1', port, path);
  return FALLBACK_REQUESTS / ((performance.now() - started) / 1000);
}

export const b3: Benchmark = {
  id: 'B3',
  title: 'small objects: 10 KiB cached, HTTP keep-alive, 64 connections (wrk)',
  run: (settings) =>
    withDir(settings.tmpDir, 'b3', async (dir): Promise<BenchResult> => {
      const seconds = settings.smoke ? 1 : 3;
      const root = join(dir, 'www');
      const [path = '/small0.bin'] = await writeObjects(root, 'small', 1, 10 * KiB);
      const origin = await startTestOrigin(root);
      const replica = await RoleProcess.start({ role: 'replica', options: { origin: origin.url } });
      const nginx = await startNginx(root, join(dir, 'nginx'));
      const haveWrk = (await findBinary('wrk')) !== null;
      try {
        await httpGet('127.0.0.1', replica.port, path);
        const measure = async (port: number): Promise<number> =>
          haveWrk
            ? ((await wrkRequestsPerSecond(
                `http://127.0.0.1:${port}${path}`,
                CONNECTIONS,
                seconds,
              )) ?? 0)
            : sequentialRate(port, path);
        const runs = await repeat(settings.runs, async () => ({
          ours: await measure(replica.port),
          nginx: nginx && haveWrk ? await measure(nginx.port) : null,
        }));
        const ours = median(runs.map((run) => run.ours));
        const nginxRuns = runs.flatMap((run) => (run.nginx === null ? [] : [run.nginx]));
        const peer = nginxRuns.length > 0 ? median(nginxRuns) : null;
        const ratio = ratioOf(ours, peer);
        return {
          id: 'B3',
          title: b3.title,
          runs: settings.runs,
          rows: [
            {
              metric: '10 KiB GET, keep-alive, 64 connections',
              unit: 'req/s',
              ours,
              peer,
              peerName: 'nginx',
              ratio,
              goal: '≥ 0.5 × nginx',
              met: ratio === null ? null : ratio >= 0.5,
            },
          ],
          commands: [
            haveWrk
              ? `wrk -t 2 -c ${CONNECTIONS} -d ${seconds}s http://127.0.0.1:PORT${path} ` +
                `(the replica's HTTP dialect, then nginx with worker_processes 1)`
              : `wrk missing: ${FALLBACK_REQUESTS} sequential GETs (smoke only)`,
          ],
          notes: [],
        };
      } finally {
        await nginx?.stop();
        await replica.stop();
        await origin.close();
      }
    }),
};
