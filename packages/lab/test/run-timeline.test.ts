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
  it('carries each step out at its time, steps of one time in order, a failed one recorded', async () => {
    const started = performance.now();
    const order: string[] = [];
    let finish: (records: StepRecord[]) => void = () => undefined;
    const all = new Promise<StepRecord[]>((resolve) => (finish = resolve));
    const seen: StepRecord[] = [];
    const timeline = startTimeline(
      [step(100, 'a'), step(100, 'b'), step(200, 'c'), step(300, 'd')],
      started,
      async (s) => {
        order.push(s.label);
        // A slow step must not push the later ones back (one timer per time, from the start).
        if (s.label === 'a') await new Promise((resolve) => setTimeout(resolve, 150));
        if (s.label === 'c') throw new Error('the admin answered 400');
      },
      (record) => {
        seen.push(record);
        if (seen.length === 4) finish(seen);
      },
    );
    await all;
    const records = await timeline.stop();
    assert.deepEqual(order, ['a', 'c', 'b', 'd'], 'b waits for a; c does not wait for them');
    const at = Object.fromEntries(records.map((r) => [r.label, r]));
    assert.ok((at['c']?.t ?? 0) >= 0.2 && (at['c']?.t ?? 1) < 0.25, `c at ${at['c']?.t}`);
    assert.ok((at['d']?.t ?? 0) >= 0.3 && (at['d']?.t ?? 1) < 0.35, `d at ${at['d']?.t}`);
    assert.equal(at['c']?.ok, false);
    assert.equal(at['c']?.error, 'the admin answered 400');
    assert.ok(
      records.every((r, i) => i === 0 || r.t >= (records[i - 1]?.t ?? 0)),
      'by time',
    );
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
