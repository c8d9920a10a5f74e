import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TimelineStep } from '../src/experiments/scenario/scenario.js';
import { startTimeline, type StepRecord } from '../src/experiments/run/timeline.js';

const step = (atMs: number, label: string): TimelineStep => ({
  verb: 'strategy',
  strategy: label,
  atMs,
  label,
  line: 1,
});

describe('cdn-lab run: the timeline', () => {
  it('carries the steps out one after the other at their times; a late one says so', async () => {
    const started = performance.now();
    const order: string[] = [];
    let finish: (records: StepRecord[]) => void = () => undefined;
    const all = new Promise<StepRecord[]>((resolve) => (finish = resolve));
    const seen: StepRecord[] = [];
    const timeline = startTimeline(
      [step(100, 'a'), step(100, 'b'), step(200, 'c'), step(600, 'd')],
      started,
      async (s) => {
        order.push(s.label);
        // A slow step holds the later ones back: none acts on a lab a step is still changing.
        if (s.label === 'a') await new Promise((resolve) => setTimeout(resolve, 250));
        if (s.label === 'c') throw new Error('the admin answered 400');
      },
      (record) => {
        seen.push(record);
        if (seen.length === 4) finish(seen);
      },
    );
    await all;
    const records = await timeline.stop();
    assert.deepEqual(order, ['a', 'b', 'c', 'd'], 'each waits for the one before');
    const at = Object.fromEntries(records.map((r) => [r.label, r]));
    const a = at['a'];
    const c = at['c'];
    assert.ok(a?.endT !== undefined && a.endT >= 0.35, `a ended at ${a?.endT}`);
    assert.ok((at['b']?.t ?? 0) >= (a?.endT ?? 1), 'b starts when a ends');
    assert.ok((c?.t ?? 0) >= 0.35 && (c?.lateS ?? 0) >= 0.15, `c at ${c?.t}, late ${c?.lateS}`);
    assert.equal(at['a']?.lateS, 0);
    assert.ok((at['d']?.t ?? 0) >= 0.6 && (at['d']?.t ?? 1) < 0.65, `d at ${at['d']?.t}`);
    assert.equal(at['d']?.lateS, 0, 'd is on time again');
    assert.equal(c?.ok, false);
    assert.equal(c?.error, 'the admin answered 400');
  });

  it('drops the steps not started when the load ends', async () => {
    const done: string[] = [];
    const timeline = startTimeline([step(10_000, 'late')], performance.now(), async (s) => {
      done.push(s.label);
    });
    assert.deepEqual(await timeline.stop(), []);
    assert.deepEqual(done, []);
  });
});
