import { join } from 'node:path';
import { MiB, startTestOrigin, writeObjects } from './fixtures.js';
import { httpGet } from './http-get.js';
import { nativeGet } from './native.js';
import { startNodeStreamPeer } from './peer-node-stream.js';
import { iperf3BytesPerSecond, startNginx } from './peers.js';
import { RoleProcess } from './roles.js';
import { median, ratioOf, repeat } from './stats.js';
import type { Benchmark, BenchResult, ResultRow } from './types.js';
import { withDir } from './workspace.js';

type Fetch = () => Promise<number>;

/**
 * Bytes/s of `concurrency` clients each downloading the whole object again and again for at
 * least `seconds` (one 64 MiB download takes tens of milliseconds here: too short to time alone).
 */
async function throughput(fetch: Fetch, concurrency: number, seconds: number): Promise<number> {
  const started = performance.now();
  const until = started + seconds * 1000;
  let bytes = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      do {
        // Not `bytes += await fetch()`: that reads `bytes` before the wait, losing the others' bytes.
        const got = await fetch();
        bytes += got;
      } while (performance.now() < until);
    }),
  );
  return bytes / ((performance.now() - started) / 1000);
}

const MB = 1e6;
const GOAL_VS_NGINX = 0.9;

type Figures = Record<'native' | 'http' | 'nginx' | 'node' | 'iperf', number | null>;

function medianOf(runs: Figures[], key: keyof Figures): number | null {
  const values = runs.flatMap((run) => (run[key] === null ? [] : [run[key]]));
  return values.length > 0 ? median(values) / MB : null;
}

function row(
  metric: string,
  ours: number | null,
  peer: number | null,
  peerName: string,
  goalRatio: number | null,
): ResultRow {
  const ratio = ours === null ? null : ratioOf(ours, peer);
  return {
    metric,
    unit: 'MB/s',
    ours: ours ?? 0,
    peer,
    peerName,
    ratio,
    goal: goalRatio === null ? '' : `≥ ${goalRatio} × ${peerName}`,
    met: goalRatio === null || ratio === null ? null : ratio >= goalRatio,
  };
}

export const b2: Benchmark = {
  id: 'B2',
  title: 'bulk: one cached 64 MiB object, 1 and 8 concurrent downloads, native and HTTP',
  run: (settings) =>
    withDir(settings.tmpDir, 'b2', async (dir): Promise<BenchResult> => {
      const size = settings.smoke ? 2 * MiB : 64 * MiB;
      const iperfSeconds = settings.smoke ? 1 : 2;
      const seconds = settings.smoke ? 0 : 1.5;
      const root = join(dir, 'www');
      const [path = '/big0.bin'] = await writeObjects(root, 'big', 1, size);
      const origin = await startTestOrigin(root);
      const replica = await RoleProcess.start({
        role: 'replica',
        options: { origin: origin.url, cacheBytes: 4 * size },
      });
      const nginx = await startNginx(root, join(dir, 'nginx'));
      const node = await startNodeStreamPeer(join(root, path));
      try {
        await nativeGet(replica.host, replica.port, path);
        const native: Fetch = () => nativeGet(replica.host, replica.port, path);
        const http: Fetch = () => httpGet(replica.host, replica.port, path);
        const bareNode: Fetch = () => httpGet('127.0.0.1', node.port, path);
        const theirs: Fetch | null = nginx ? () => httpGet('127.0.0.1', nginx.port, path) : null;
        if (theirs) await theirs();
        await http();
        await bareNode();
        const rows: ResultRow[] = [];
        for (const concurrency of [1, 8]) {
          const runs = await repeat(settings.runs, async (): Promise<Figures> => ({
            native: await throughput(native, concurrency, seconds),
            http: await throughput(http, concurrency, seconds),
            nginx: theirs ? await throughput(theirs, concurrency, seconds) : null,
            node: await throughput(bareNode, concurrency, seconds),
            iperf: await iperf3BytesPerSecond(concurrency, iperfSeconds),
          }));
          const [ourNative, ourHttp, nginxFigure, nodeFigure, iperfFigure] = (
            ['native', 'http', 'nginx', 'node', 'iperf'] as const
          ).map((key) => medianOf(runs, key));
          const at = `${concurrency} download${concurrency > 1 ? 's' : ''} at once`;
          rows.push(
            row(
              `${at}, native get vs nginx`,
              ourNative ?? null,
              nginxFigure ?? null,
              'nginx',
              GOAL_VS_NGINX,
            ),
            row(
              `${at}, HTTP GET vs nginx`,
              ourHttp ?? null,
              nginxFigure ?? null,
              'nginx',
              GOAL_VS_NGINX,
            ),
            row(
              `${at}, native get vs bare Node`,
              ourNative ?? null,
              nodeFigure ?? null,
              'bare Node',
              null,
            ),
            row(
              `${at}, HTTP GET vs bare Node`,
              ourHttp ?? null,
              nodeFigure ?? null,
              'bare Node',
              null,
            ),
            row(
              `${at}, native get vs raw TCP`,
              ourNative ?? null,
              iperfFigure ?? null,
              'iperf3',
              null,
            ),
          );
        }
        return {
          id: 'B2',
          title: b2.title,
          runs: settings.runs,
          rows,
          commands: [
            `replica process, object of ${size / MiB} MiB cached; clients: native get, and HTTP/1.1 GET on the same port, each of 1 or 8 downloading the object again and again for ${seconds} s; bytes counted`,
            `nginx -c nginx.conf (worker_processes 1, sendfile on); client: HTTP/1.1 GET, bytes counted`,
            'bare Node: a child process with a net server writing the object from memory (head, then one write of the body); client: HTTP/1.1 GET',
            `iperf3 -s -B 127.0.0.1; iperf3 -c 127.0.0.1 -P {1,8} -t ${iperfSeconds} -J`,
          ],
          notes: ['MB = 10^6 bytes; the client is the suite process itself (one core)'],
        };
      } finally {
        await node.stop();
        await nginx?.stop();
        await replica.stop();
        await origin.close();
      }
    }),
};
