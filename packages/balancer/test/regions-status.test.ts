import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LoadReport } from '@cdn-lab/protocol';
import { regionsStatus, weightedMedian, type ReplicaView } from '../src/index.js';
import { regionMap } from './region-helpers.js';
import { idleLoad, replicaView } from './views.js';

function served(
  id: string,
  region: string | null,
  rows: LoadReport['clientRegions'],
  state: ReplicaView['state'] = 'up',
): ReplicaView {
  const [host = '', port = '0'] = id.split(':');
  const reported = {
    ...(region === null ? {} : { region }),
    ...(rows ? { clientRegions: rows } : {}),
  };
  return replicaView(host, Number(port), { state, region, load: idleLoad(reported) });
}

describe('the regions block of /status', () => {
  it('weights the median of medians by requests', () => {
    assert.equal(weightedMedian([]), null);
    assert.equal(weightedMedian([{ ttfbMs: 5, requests: 0 }]), null);
    assert.equal(
      weightedMedian([
        { ttfbMs: 90, requests: 1 },
        { ttfbMs: 2, requests: 10 },
        { ttfbMs: 3, requests: 10 },
      ]),
      3,
    );
    assert.equal(
      weightedMedian([
        { ttfbMs: 90, requests: 30 },
        { ttfbMs: 2, requests: 10 },
      ]),
      90,
    );
  });

  it("sums a serving region's replicas per client region, and counts replicas up and known", () => {
    const status = regionsStatus(regionMap(), [
      served('127.1.0.1:9000', 'eu', [
        { region: 'eu', requests: 30, ttfbMs: 2 },
        { region: 'us', requests: 2, ttfbMs: 81 },
      ]),
      served('127.1.0.2:9000', 'eu', [{ region: 'eu', requests: 10, ttfbMs: 4 }], 'down'),
      served('127.2.0.1:9000', 'us', [{ region: 'us', requests: 5, ttfbMs: 3 }]),
      served('127.9.0.1:9000', null, undefined),
    ]);
    assert.equal(status.defaultRegion, 'eu');
    assert.deepEqual(
      status.regions.map(({ name, up, known }) => ({ name, up, known })),
      [
        { name: 'eu', up: 1, known: 2 },
        { name: 'us', up: 1, known: 1 },
        { name: 'ap', up: 0, known: 0 },
      ],
    );
    assert.deepEqual(status.unplaced, ['127.9.0.1:9000']);
    assert.equal(status.matrix.length, 9, 'every client region × serving region');
    const cell = (client: string, serving: string) =>
      status.matrix.find((entry) => entry.client === client && entry.serving === serving);
    assert.deepEqual(cell('eu', 'eu'), { client: 'eu', serving: 'eu', requests: 40, ttfbMs: 2 });
    assert.deepEqual(cell('us', 'eu'), { client: 'us', serving: 'eu', requests: 2, ttfbMs: 81 });
    assert.deepEqual(cell('us', 'us'), { client: 'us', serving: 'us', requests: 5, ttfbMs: 3 });
    assert.deepEqual(cell('ap', 'ap'), { client: 'ap', serving: 'ap', requests: 0, ttfbMs: null });
  });
});
