import { join } from 'node:path';
import { MiB, startTestOrigin, writeObjects } from './fixtures.js';
import { httpGet } from './http-get.js';
import { nativeGet } from './native.js';
import { iperf3BytesPerSecond, startNginx } from './peers.js';
import { RoleProcess } from './roles.js';
import { median, ratioOf, repeat } from './stats.js';
import type { Benchmark, BenchResult, ResultRow } from './types.js';
import { withDir } from './workspace.js';

type Fetch = () => Promise<number>;

/** Bytes/s of `concurrency` simultaneous downloads of the whole object. */
async function throughput(fetch: Fetch, concurrency: number): Promise<number> {
  const started = performance.now();
  const sizes = await Promise.all(Array.from({ length: concurrency }, fetch));
  const bytes = sizes.reduce((sum, size) => sum + size, 0);
  return bytes / ((performance.now() - started) / 1000);
}

const MB = 1e6;

export const b2: Benchmark = {
  id: 'B2',
  title: 'bulk: one cached 64 MiB object, 1 and 8 concurrent downloads',
  run: (settings) =>
    withDir(settings.tmpDir, 'b2', async (dir): Promise<BenchResult> => {
      const size = settings.smoke ? 2 * MiB : 64 * MiB;
      const iperfSeconds = settings.smoke ? 1 : 2;
      const root = join(dir, 'www');
      const [path = '/big0.bin'] = await writeObjects(root, 'big', 1, size);
      const origin = await startTestOrigin(root);
      const replica = await RoleProcess.start({
        role: 'replica',
        options: { origin: origin.url, cacheBytes: 4 * size },
      });
      const nginx = await startNginx(root, join(dir, 'nginx'));
      try {
        await nativeGet(replica.host, replica.port, path);
        const ours: Fetch = () => nativeGet(replica.host, replica.port, path);
        const theirs: Fetch | null = nginx ? () => httpGet('127.0.0.1', nginx.port, path) : null;
        if (theirs) await theirs();
        const rows: ResultRow[] = [];
        for (const concurrency of [1, 8]) {
          const runs = await repeat(settings.runs, async () => ({
            ours: await throughput(ours, concurrency),
            nginx: theirs ? await throughput(theirs, concurrency) : null,
            iperf: await iperf3BytesPerSecond(concurrency, iperfSeconds),
          }));
          const oursMedian = median(runs.map((run) => run.ours)) / MB;
          const nginxRuns = runs.flatMap((run) => (run.nginx === null ? [] : [run.nginx]));
          const iperfRuns = runs.flatMap((run) => (run.iperf === null ? [] : [run.iperf]));
          const nginxMedian = nginxRuns.length > 0 ? median(nginxRuns) / MB : null;
          const iperfMedian = iperfRuns.length > 0 ? median(iperfRuns) / MB : null;
          const vsIperf = ratioOf(oursMedian, iperfMedian);
          const vsNginx = ratioOf(oursMedian, nginxMedian);
          const metric = `${concurrency} download${concurrency > 1 ? 's' : ''} at once`;
          rows.push(
            {
              metric: `${metric} vs raw TCP`,
              unit: 'MB/s',
              ours: oursMedian,
              peer: iperfMedian,
              peerName: 'iperf3',
              ratio: vsIperf,
              goal: '≥ 0.5 × iperf3',
              met: vsIperf === null ? null : vsIperf >= 0.5,
            },
            {
              metric: `${metric} vs nginx`,
              unit: 'MB/s',
              ours: oursMedian,
              peer: nginxMedian,
              peerName: 'nginx',
              ratio: vsNginx,
              goal: '≥ 0.8 × nginx',
              met: vsNginx === null ? null : vsNginx >= 0.8,
            },
          );
        }
        return {
          id: 'B2',
          title: b2.title,
          runs: settings.runs,
          rows,
          commands: [
            `replica process, object of ${size / MiB} MiB cached; client: native get, bytes counted`,
            `nginx -c nginx.conf (worker_processes 1, sendfile on); client: HTTP/1.1 GET, bytes counted`,
            `iperf3 -s -B 127.0.0.1; iperf3 -c 127.0.0.1 -P {1,8} -t ${iperfSeconds} -J`,
          ],
          notes: ['MB = 10^6 bytes; the client is the suite process itself (one core)'],
        };
      } finally {
        await nginx?.stop();
        await replica.stop();
        await origin.close();
      }
    }),
};
