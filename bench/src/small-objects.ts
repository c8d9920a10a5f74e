import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestOrigin, writeObjects } from './fixtures.js';
import { httpGet } from './http-get.js';
import { startNodeHttpPeer } from './peer-node-http.js';
import {
  findBinary,
  startNginx,
  wrkRequestsPerSecond,
  type RunningPeer,
  type WrkScript,
} from './peers.js';
import { RoleProcess } from './roles.js';
import { median, repeat } from './stats.js';
import type { BenchSettings } from './types.js';

export const CONNECTIONS = 64;
const FALLBACK_REQUESTS = 200;
const PIPELINE_SCRIPT = fileURLToPath(new URL('../../wrk/pipeline.lua', import.meta.url));

/** A replica as the benchmark starts it: which requests it logs line by line (to a file). */
export interface ReplicaVariant {
  name: string;
  logRequests?: string;
}

export interface SmallObjectRun {
  /** Median req/s of each replica variant, by name. */
  ours: Map<string, number>;
  nginx: number | null;
  node: number | null;
  /** How wrk was run, for RESULTS.md (PORT stands for each server's port). */
  command: string;
}

/** Without wrk (smoke runs only): sequential GETs, one connection each. */
async function sequentialRate(port: number, path: string): Promise<number> {
  const started = performance.now();
  for (let index = 0; index < FALLBACK_REQUESTS; index += 1) await httpGet('127.0.0.1', port, path);
  return FALLBACK_REQUESTS / ((performance.now() - started) / 1000);
}

/**
 * One cached object of `size` bytes, asked for by wrk over 64 keep-alive connections (with
 * `pipeline` GETs in flight on each, when given) from each replica variant, from nginx (one
 * worker, sendfile) and from the bare-Node peer, taking turns within each of the runs.
 */
export async function measureSmallObject(
  settings: BenchSettings,
  dir: string,
  size: number,
  variants: readonly ReplicaVariant[],
  pipeline: number | null,
): Promise<SmallObjectRun> {
  const seconds = settings.smoke ? 1 : 3;
  const root = join(dir, 'www');
  const [path = '/small0.bin'] = await writeObjects(root, 'small', 1, size);
  const origin = await startTestOrigin(root);
  const started: { stop(): Promise<void> }[] = [];
  try {
    const replicas: { name: string; port: number }[] = [];
    for (const variant of variants) {
      const replica = await RoleProcess.start({
        role: 'replica',
        options: { origin: origin.url, logRequests: variant.logRequests },
        logFile: join(dir, `replica-${variant.name}.log`),
      });
      started.push(replica);
      replicas.push({ name: variant.name, port: replica.port });
      await httpGet('127.0.0.1', replica.port, path);
    }
    const nginx = await startNginx(root, join(dir, 'nginx'));
    if (nginx) started.push(nginx);
    const node: RunningPeer = await startNodeHttpPeer(size);
    started.push(node);
    const haveWrk = (await findBinary('wrk')) !== null;
    const script: WrkScript | undefined =
      pipeline === null ? undefined : { file: PIPELINE_SCRIPT, args: [String(pipeline)] };
    const measure = async (port: number): Promise<number> =>
      haveWrk
        ? ((await wrkRequestsPerSecond(
            `http://127.0.0.1:${port}${path}`,
            CONNECTIONS,
            seconds,
            script,
          )) ?? 0)
        : sequentialRate(port, path);
    const runs = await repeat(settings.runs, async () => {
      const ours = new Map<string, number>();
      for (const replica of replicas) ours.set(replica.name, await measure(replica.port));
      return {
        ours,
        nginx: nginx && haveWrk ? await measure(nginx.port) : null,
        node: haveWrk ? await measure(node.port) : null,
      };
    });
    const medianOf = (values: (number | null)[]): number | null => {
      const present = values.filter((value): value is number => value !== null);
      return present.length > 0 ? median(present) : null;
    };
    const scriptPart = script ? ` -s bench/wrk/pipeline.lua` : '';
    const scriptArgs = script ? ` -- ${pipeline}` : '';
    return {
      ours: new Map(
        replicas.map(({ name }) => [name, median(runs.map((run) => run.ours.get(name) ?? 0))]),
      ),
      nginx: medianOf(runs.map((run) => run.nginx)),
      node: medianOf(runs.map((run) => run.node)),
      command: haveWrk
        ? `wrk -t 2 -c ${CONNECTIONS} -d ${seconds}s${scriptPart} http://127.0.0.1:PORT${path}${scriptArgs}`
        : `wrk missing: ${FALLBACK_REQUESTS} sequential GETs (smoke only)`,
    };
  } finally {
    for (const server of started.reverse()) await server.stop();
    await origin.close();
  }
}
