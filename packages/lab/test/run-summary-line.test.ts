import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { variantLine } from '../src/experiments/run/run-command.js';
import { sampleTimes } from '../src/experiments/run/sample-intervals.js';
import type { VariantSummary } from '../src/experiments/run/summary-json.js';

const NO_LOAD: VariantSummary = {
  label: 'stopped',
  requests: 0,
  ok: 0,
  failed: 0,
  errorsByCode: {},
  failovers: 0,
  failoversByCode: {},
  latencyMs: { p50: 0, p90: 0, p99: 0, max: 0 },
  requestsPerSecond: 0,
  perReplica: {},
  originFetches: 0,
  hitRatio: {},
  events: [],
  samples: 0,
};

describe('cdn-lab run: what it prints and writes', () => {
  it('shows – for the percentiles of a run without a download, not 0.0 ms', () => {
    assert.match(variantLine(NO_LOAD), /p50 –, p99 –/);
  });

  it('gives sample times to the ms', () => {
    assert.deepEqual(sampleTimes(2017.757745999999, 1_000), [1, 2, 2.018]);
  });
});
