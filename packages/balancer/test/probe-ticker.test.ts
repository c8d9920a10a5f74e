import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProbeTicker } from '../src/probe-ticker.js';

describe('probe ticker', () => {
  it('ticks every listener of an interval from one timer, and stops with the last', async () => {
    const ticker = ProbeTicker.every(15);
    assert.equal(ProbeTicker.every(15), ticker, 'one ticker per interval');
    const ticks: string[] = [];
    const a = (): void => void ticks.push('a');
    const b = (): void => void ticks.push('b');
    ticker.add(a);
    ticker.add(b);
    assert.equal(ticker.running, true);
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.ok(ticks.length >= 2, `ticked: ${ticks.join()}`);
    // Both at each tick, in one turn: a and b alternate.
    for (let at = 0; at + 1 < ticks.length; at += 2)
      assert.deepEqual(ticks.slice(at, at + 2), ['a', 'b']);
    ticker.remove(a);
    ticker.remove(b);
    assert.equal(ticker.running, false, 'the timer is cleared with the last listener');
    const before = ticks.length;
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.equal(ticks.length, before, 'no tick once nobody listens');
  });
});
