import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { ProbeTicker } from '../src/probe-ticker.js';

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('probe ticker', () => {
  it('ticks each prober once an interval, spread over phases rather than all at once', async () => {
    const intervalMs = 100;
    const ticker = ProbeTicker.every(intervalMs);
    assert.equal(ProbeTicker.every(intervalMs), ticker, 'one ticker per interval');
    const ticks: { key: string; at: number }[] = [];
    const listeners = Array.from({ length: 200 }, (_, index) => {
      const key = `127.10.${index >> 8}.${index & 255}:9000`;
      const tick = (): void => void ticks.push({ key, at: performance.now() });
      ticker.add(key, tick);
      return { key, tick };
    });
    await pause(intervalMs * 3.5);
    for (const { key, tick } of listeners) ticker.remove(key, tick);
    assert.equal(ticker.running, 0, 'every phase timer is cleared with its last listener');

    const perKey = new Map<string, number>();
    for (const { key } of ticks) perKey.set(key, (perKey.get(key) ?? 0) + 1);
    assert.equal(perKey.size, listeners.length, 'every listener ticked');
    for (const [key, count] of perKey) assert.ok(count >= 2 && count <= 4, `${key}: ${count}`);
    // One timer for all of them would run all 200 in the same millisecond.
    const sorted = ticks.map(({ at }) => at).sort((a, b) => a - b);
    let crowd = 0;
    for (let start = 0, end = 0; end < sorted.length; end += 1) {
      while ((sorted[end] as number) - (sorted[start] as number) > 1) start += 1;
      crowd = Math.max(crowd, end - start + 1);
    }
    assert.ok(crowd <= listeners.length / 2, `${crowd} of ${listeners.length} ticks in one ms`);

    const before = ticks.length;
    await pause(intervalMs * 1.5);
    assert.equal(ticks.length, before, 'no tick once nobody listens');
  });

  it('puts a key on the same phase every time', () => {
    const ticker = ProbeTicker.every(250);
    assert.equal(ticker.phases, 25);
    assert.equal(ticker.slotOf('10.0.1.5:9000'), ticker.slotOf('10.0.1.5:9000'));
    const used = new Set(Array.from({ length: 500 }, (_, i) => ticker.slotOf(`r${i}`)));
    assert.equal(used.size, 25, 'keys spread over every phase');
  });
});
