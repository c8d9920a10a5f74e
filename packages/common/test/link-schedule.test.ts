import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LinkSchedule, retransmissionTimeoutMs, type LinkSpec } from '../src/index.js';

const link = (fields: Partial<LinkSpec>): LinkSpec => ({
  delayMs: 40,
  jitterMs: 0,
  bytesPerSecond: null,
  loss: 0,
  ...fields,
});

/** A fixed sequence of draws, repeated. */
function draws(...values: number[]): () => number {
  let next = 0;
  return () => values[next++ % values.length] as number;
}

describe('the link schedule', () => {
  it('delays each chunk by the one-way delay', () => {
    const schedule = new LinkSchedule(link({}));
    assert.equal(schedule.releaseAt(100, 1000), 1040);
    assert.equal(schedule.releaseAt(100, 1005), 1045);
  });

  it('keeps byte order under jitter: no chunk overtakes the one before it', () => {
    // The first chunk draws the most jitter, the second none.
    const schedule = new LinkSchedule(link({ jitterMs: 10 }), { random: draws(0.9, 0) });
    const first = schedule.releaseAt(100, 0);
    const second = schedule.releaseAt(100, 1);
    assert.equal(first, 49);
    assert.equal(second, 49, 'held behind the first, not at 41');
    assert.ok(schedule.releaseAt(100, 20) >= 60);
  });

  it('paces to the bandwidth: a chunk occupies the link n / bytesPerSecond', () => {
    // 1 MB/s: 1000 bytes take 1 ms.
    const schedule = new LinkSchedule(link({ delayMs: 10, bytesPerSecond: 1_000_000 }));
    assert.equal(schedule.releaseAt(100_000, 0), 110);
    assert.equal(schedule.releaseAt(100_000, 0), 210, 'queued behind the first on the link');
    assert.equal(schedule.releaseAt(1000, 500), 511, 'an idle link starts at once');
  });

  it('stalls a chunk with a lost segment by one retransmission timeout, and the ones after it', () => {
    const lossy = link({ delayMs: 30, loss: 0.01 });
    assert.equal(retransmissionTimeoutMs(lossy), 260);
    // A draw below 1 - 0.99^segments loses the chunk; 0.5 never does for small chunks.
    const schedule = new LinkSchedule(lossy, { random: draws(0.001, 0.5, 0.5) });
    assert.equal(schedule.releaseAt(100, 0), 290);
    assert.equal(schedule.releaseAt(100, 1), 290, 'behind the stalled one');
    assert.equal(schedule.releaseAt(100, 300), 330);
  });

  it('counts loss per segment: a bigger chunk is lost more often', () => {
    const lossy = link({ loss: 0.01 });
    // 1 - 0.99^1 = 0.01 for one segment, 1 - 0.99^70 ≈ 0.51 for 100 KB.
    const small = new LinkSchedule(lossy, { random: draws(0.3) });
    const big = new LinkSchedule(lossy, { random: draws(0.3) });
    assert.equal(small.releaseAt(1000, 0), 40);
    assert.equal(big.releaseAt(100_000, 0), 40 + retransmissionTimeoutMs(lossy));
  });

  it('carries a round trip when asked: both delays, the stall still one RTO', () => {
    const lossy = link({ delayMs: 30, loss: 0.01 });
    const schedule = new LinkSchedule(lossy, { roundTrip: true, random: draws(0.001, 0.5) });
    assert.equal(schedule.releaseAt(100, 0), 60 + 260);
    assert.equal(schedule.releaseAt(100, 400), 460);
  });
});
