import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BENCHMARKS } from '../src/registry.js';
import { markdownTable, textTable } from '../src/report.js';
import { benchReportData } from '../src/report-html.js';
import type { BenchResult } from '../src/types.js';

/**
 * Each benchmark at tiny sizes, one run, so the suite cannot rot: well-formed results only,
 * no performance thresholds. A missing peer program is skipped (our side still runs).
 */
describe('benchmark smoke runs', () => {
  let tmpDir = '';
  before(async () => {
    tmpDir = await mkdtemp(join(tmpdir(), 'cdn-bench-smoke-'));
  });
  after(async () => {
    await rm(tmpDir, { recursive: true, force: true });
  });

  const assertWellFormed = (result: BenchResult, id: string): void => {
    assert.equal(result.id, id);
    assert.ok(result.rows.length > 0, 'at least one row');
    assert.ok((result.rows[0]?.ours ?? 0) > 0, `${id}: the first measure is above 0`);
    for (const row of result.rows) {
      assert.ok(Number.isFinite(row.ours) && row.ours >= 0, `${id} ${row.metric}: ${row.ours}`);
      if (row.peer !== null) {
        assert.ok(row.peer > 0, `${id} ${row.metric}: peer ${row.peer}`);
        assert.ok(row.ratio !== null && Number.isFinite(row.ratio), `${id}: ratio computed`);
      }
      if (row.goal && row.ratio !== null) assert.equal(typeof row.met, 'boolean');
    }
    assert.ok(result.commands.length > 0, 'the commands are recorded');
    assert.match(textTable([result]), new RegExp(`^${id} `, 'm'));
    assert.match(markdownTable([result]), new RegExp(`^\\| ${id} \\|`, 'm'));
    const [drawn] = benchReportData([result], 'npm run bench -- --smoke').benchmarks;
    assert.deepEqual(drawn?.rows, result.rows, `${id}: bench/report.html draws every row`);
  };

  for (const bench of BENCHMARKS) {
    it(`${bench.id} produces well-formed results`, { timeout: 90_000 }, async () => {
      const result = await bench.run({ smoke: true, runs: 1, tmpDir });
      assertWellFormed(result, bench.id);
    });
  }
});
