import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecentTiers, type TieredView } from '../src/index.js';
import { idleLoad, replicaView } from './views.js';

function reporting(
  port: number,
  tier: string | null,
  hits: number,
  misses: number,
  shield = false,
): TieredView {
  const load = idleLoad({
    ...(tier === null ? {} : { tier }),
    hits,
    misses,
    parentFetches: misses,
    originFetches: 0,
  });
  return { view: replicaView('127.0.0.1', port, { load }), shield };
}

describe("the tiers' recent counts", () => {
  it('counts what changed over the span, not what the replicas did since they started', () => {
    const recent = new RecentTiers(3000);
    recent.sample([reporting(1, 'edge', 1000, 1000), reporting(2, null, 0, 0, true)], 0);
    assert.equal(recent.of('edge'), null, 'one sample measures nothing yet');
    recent.sample([reporting(1, 'edge', 1009, 1001), reporting(2, null, 5, 5, true)], 1000);
    assert.deepEqual(recent.of('edge'), {
      ...{ hits: 9, misses: 1, parentFetches: 1, originFetches: 0 },
      ...{ seconds: 1, hitRatio: 0.9 },
    });
    assert.equal(recent.of('shield')?.hits, 5, 'a shield reporting no tier counts as a shield');
    for (let at = 2000; at <= 5000; at += 1000) {
      recent.sample(
        [reporting(1, 'edge', 1009, 1001 + at / 1000), reporting(2, null, 5, 5, true)],
        at,
      );
    }
    assert.deepEqual(
      recent.of('edge'),
      {
        ...{ hits: 0, misses: 3, parentFetches: 3, originFetches: 0 },
        ...{ seconds: 3, hitRatio: 0 },
      },
      'only the last 3 s: the hits of the first second have left the span',
    );
    assert.equal(recent.of('shield')?.hitRatio, null, 'no request in the span');
  });

  it('a restarted replica counts from 0 again; a new one counts only after its first report', () => {
    const recent = new RecentTiers(10_000);
    recent.sample([reporting(1, 'edge', 500, 100)], 0);
    recent.sample([reporting(1, 'edge', 3, 1), reporting(2, 'edge', 700, 300)], 1000);
    assert.deepEqual(
      [recent.of('edge')?.hits, recent.of('edge')?.misses],
      [3, 1],
      'the restart counts what it says now; the newcomer nothing yet',
    );
    recent.sample([reporting(1, 'edge', 3, 1), reporting(2, 'edge', 710, 300)], 2000);
    assert.equal(recent.of('edge')?.hits, 13);
  });
});
