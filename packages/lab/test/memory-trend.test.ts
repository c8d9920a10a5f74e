import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeMemoryTrend, type GrowthLimits, type MemorySample } from '../src/memory-trend.js';

const MiB = 1024 ** 2;
const LIMITS: GrowthLimits = { relative: 0.1, absoluteBytes: 2 * MiB };

/** A deterministic pseudo-random number in [-1, 1) for sample i. */
function noise(i: number): number {
  const x = Math.sin(i * 12.9898 + 78.233) * 43758.5453;
  return (x - Math.floor(x)) * 2 - 1;
}

/** One sample a second for `seconds` seconds: level + slope × t + noise, in bytes. */
function series(
  seconds: number,
  level: number,
  slopePerSecond: number,
  noiseBytes: number,
): MemorySample[] {
  return Array.from({ length: seconds + 1 }, (_, t) => ({
    atMs: t * 1000,
    bytes: level + slopePerSecond * t + noiseBytes * noise(t),
  }));
}

describe('judging memory by its trend', () => {
  it('passes a flat series with a few hundred KB of noise', () => {
    const trend = judgeMemoryTrend(series(20, 12 * MiB, 0, 400 * 1024), LIMITS);
    assert.equal(trend.verdict, 'steady');
    assert.ok(Math.abs(trend.growthBytes) < 1 * MiB, String(trend.growthBytes));
    assert.ok(Math.abs(trend.startBytes - 12 * MiB) < 0.5 * MiB);
  });

  it('fails a steady rise past both limits, and says by how much', () => {
    const trend = judgeMemoryTrend(series(20, 12 * MiB, 200 * 1024, 300 * 1024), LIMITS);
    assert.equal(trend.verdict, 'grew');
    assert.ok(Math.abs(trend.slopeBytesPerSecond - 200 * 1024) < 40 * 1024);
    assert.ok(
      trend.growthBytes > 3 * MiB && trend.growthBytes < 5 * MiB,
      String(trend.growthBytes),
    );
  });

  it('passes a single spike, wherever it falls', () => {
    for (const at of [0, 10, 20]) {
      const samples = series(20, 12 * MiB, 0, 200 * 1024).map((sample, t) =>
        t === at ? { ...sample, bytes: sample.bytes + 20 * MiB } : sample,
      );
      assert.equal(judgeMemoryTrend(samples, LIMITS).verdict, 'steady', `spike at ${at} s`);
    }
  });

  it('passes a rise under the absolute floor on a small heap', () => {
    // 1.5 MiB over the run is 12 %: over the relative limit, under the absolute one.
    const trend = judgeMemoryTrend(series(20, 12 * MiB, 75 * 1024, 0), LIMITS);
    assert.equal(trend.verdict, 'steady');
    assert.equal(trend.limitBytes, 2 * MiB);
  });

  it('scales the limit with a large heap', () => {
    assert.equal(judgeMemoryTrend(series(20, 100 * MiB, 400 * 1024, 0), LIMITS).verdict, 'steady');
    assert.equal(judgeMemoryTrend(series(20, 100 * MiB, 800 * 1024, 0), LIMITS).verdict, 'grew');
  });

  it('gives no verdict on too few samples', () => {
    const trend = judgeMemoryTrend(series(3, 12 * MiB, 10 * MiB, 0), LIMITS);
    assert.equal(trend.verdict, 'too-few-samples');
    assert.equal(trend.samples, 4);
  });

  it('does not depend on the order the samples arrive in', () => {
    const samples = series(20, 12 * MiB, 200 * 1024, 300 * 1024);
    assert.deepEqual(
      judgeMemoryTrend([...samples].reverse(), LIMITS),
      judgeMemoryTrend(samples, LIMITS),
    );
  });
});
