import { reqRow } from './b3-small.js';
import { KiB } from './fixtures.js';
import { CONNECTIONS, measureSmallObject } from './small-objects.js';
import type { Benchmark, BenchResult } from './types.js';
import { withDir } from './workspace.js';

const DEPTH = 16;

export const b3b: Benchmark = {
  id: 'B3b',
  title: `small objects pipelined: 1 KiB cached, ${DEPTH} GETs in flight on each of 64 connections (wrk)`,
  run: (settings) =>
    withDir(settings.tmpDir, 'b3b', async (dir): Promise<BenchResult> => {
      const run = await measureSmallObject(settings, dir, KiB, [{ name: 'default' }], DEPTH);
      const ours = run.ours.get('default') ?? 0;
      const metric = `1 KiB GET, pipelined ${DEPTH} deep, ${CONNECTIONS} connections`;
      return {
        id: 'B3b',
        title: b3b.title,
        runs: settings.runs,
        rows: [
          reqRow(metric, ours, run.nginx, 'nginx', 1.0),
          reqRow(`${metric} vs bare Node net`, ours, run.node, 'node net', null),
        ],
        commands: [`${run.command} (request log at its default)`],
        notes: [],
      };
    }),
};
