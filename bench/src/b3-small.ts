import { KiB } from './fixtures.js';
import { CONNECTIONS, measureSmallObject } from './small-objects.js';
import { ratioOf } from './stats.js';
import type { Benchmark, BenchResult, ResultRow } from './types.js';
import { withDir } from './workspace.js';

const GOAL = 1.0;

/** A row of ours against nginx or the bare-Node peer; `goal` null: shown, not judged. */
export function reqRow(
  metric: string,
  ours: number,
  peer: number | null,
  peerName: string,
  goal: number | null,
): ResultRow {
  const ratio = ratioOf(ours, peer);
  return {
    metric,
    unit: 'req/s',
    ours,
    peer,
    peerName,
    ratio,
    goal: goal === null ? '' : `≥ ${goal.toFixed(1)} × ${peerName}`,
    met: goal === null || ratio === null ? null : ratio >= goal,
  };
}

export const b3: Benchmark = {
  id: 'B3',
  title: 'small objects: 10 KiB cached, HTTP keep-alive, 64 connections (wrk)',
  run: (settings) =>
    withDir(settings.tmpDir, 'b3', async (dir): Promise<BenchResult> => {
      const run = await measureSmallObject(
        settings,
        dir,
        10 * KiB,
        [
          { name: 'default' },
          { name: 'all', logRequests: 'all' },
          { name: 'off', logRequests: 'off' },
        ],
        null,
      );
      const ours = (name: string): number => run.ours.get(name) ?? 0;
      const metric = `10 KiB GET, keep-alive, ${CONNECTIONS} connections`;
      return {
        id: 'B3',
        title: b3.title,
        runs: settings.runs,
        rows: [
          reqRow(`${metric} (request log: default)`, ours('default'), run.nginx, 'nginx', GOAL),
          reqRow(`${metric} vs bare Node net`, ours('default'), run.node, 'node net', null),
          reqRow(`${metric} (--log-requests all)`, ours('all'), run.nginx, 'nginx', null),
          reqRow(`${metric} (--log-requests off)`, ours('off'), run.nginx, 'nginx', null),
        ],
        commands: [
          `${run.command} (the replica's HTTP dialect, logging to a file with --log-requests ` +
            `at its default, all and off; nginx with worker_processes 1; bare Node: a net ` +
            `server writing one pre-built answer per request head)`,
        ],
        notes: [],
      };
    }),
};
