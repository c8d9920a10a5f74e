import type { LoadReport } from '@cdn-lab/client';
import { docker } from './docker.js';
import { LAB_PORT, runOnOverlay } from './swarm.js';

/**
 * A load run from a container on the stack's overlay network (an inside client: the balancer
 * answers it with the replicas' overlay addresses). It runs until `stop()`, which lets the
 * requests in flight finish and returns the report, so it spans an update or a kill whatever
 * they take.
 */
const LOAD_SCRIPT = `
import { runLoad } from '@cdn-lab/client';
const stop = new AbortController();
process.once('SIGTERM', () => stop.abort());
const report = await runLoad({
  balancer: { host: 'balancer', port: ${LAB_PORT} },
  paths: JSON.parse(process.env.LOAD_PATHS),
  durationMs: 3_600_000,
  concurrency: Number(process.env.LOAD_CONCURRENCY),
  signal: stop.signal,
});
process.stdout.write(JSON.stringify(report) + '\\n');
`;

export class InsideLoad {
  private constructor(private readonly container: string) {}

  static async start(paths: string[], concurrency = 4): Promise<InsideLoad> {
    const container = await runOnOverlay(
      [
        ...['--env', `LOAD_PATHS=${JSON.stringify(paths)}`],
        ...['--env', `LOAD_CONCURRENCY=${concurrency}`],
        ...['--workdir', '/app', '--entrypoint', 'node'],
      ],
      ['--input-type=module', '-e', LOAD_SCRIPT],
    );
    return new InsideLoad(container);
  }

  async stop(): Promise<LoadReport> {
    await docker('stop', '--time', '120', this.container);
    const output = await docker('logs', this.container);
    await docker('rm', this.container);
    const last = output
      .split('\n')
      .reverse()
      .find((line) => line.startsWith('{'));
    if (!last) throw new Error(`the load printed no report:\n${output}`);
    return JSON.parse(last) as LoadReport;
  }
}
