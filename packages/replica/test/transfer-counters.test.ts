import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setup } from './harness.js';
import { httpGet } from './http-helpers.js';
import { bytesOf } from './test-origin.js';

describe('transfer outcome counters in the load report (for the passive health check)', () => {
  it('counts completed requests and the replica’s own failures, not the client’s or the origin’s', async (t) => {
    const { origin, replica, client } = await setup(t);
    origin.put('/a.bin', bytesOf(1000));
    const c = await client();
    assert.deepEqual(
      [(await c.ping(1)).load.transfersOk, (await c.ping(2)).load.transfersFailed],
      [0, 0],
    );
    await c.fetch('/a.bin');
    assert.equal((await httpGet(replica.endpoint.port, '/a.bin')).status, 200);
    // Not the replica's fault: an unknown object, a bad path.
    await c.get('/missing.bin');
    await c.get('/../x');
    replica.faults.merge({ errorRate: 1 });
    await c.get('/a.bin');
    assert.equal((await httpGet(replica.endpoint.port, '/a.bin')).status, 500);
    replica.faults.clear();
    const { load } = await c.ping(3);
    assert.equal(load.transfersOk, 2);
    assert.equal(load.transfersFailed, 2);
  });
});
