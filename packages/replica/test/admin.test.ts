import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENTRY_OVERHEAD_BYTES } from '../src/cache/entry-cost.js';
import { setup } from './harness.js';
import { metricValue } from './prometheus-text.js';

/** Every replica metric carries its tier (`edge` unless told). */
const EDGE = { tier: 'edge' };
import { bytesOf } from './test-origin.js';

interface Status {
  role: string;
  id: string;
  load: { activeTransfers: number; faults?: string[] };
  cache: Record<string, number>;
  faults: Record<string, number>;
}

describe('replica admin', { timeout: 20_000 }, () => {
  it('counts 1 miss and 2 hits in /status and /metrics after three gets', async (t) => {
    const { origin, replica, client } = await setup(t, { admin: { port: 0 } });
    const bytes = bytesOf(5000);
    origin.put('/a', bytes);
    const c = await client();
    for (let i = 0; i < 3; i += 1) await c.fetch('/a');
    const url = replica.admin?.url;
    assert.ok(url, 'the admin server runs');

    const status = (await (await fetch(`${url}status`)).json()) as Status;
    assert.equal(status.role, 'replica');
    assert.equal(status.id, replica.endpoint.id);
    assert.equal(status.cache['hits'], 2);
    assert.equal(status.cache['misses'], 1);
    assert.equal(status.cache['originFetches'], 1);
    assert.equal(status.cache['objects'], 1);
    assert.equal(status.cache['bytes'], bytes.length);
    assert.deepEqual(status.faults, {});

    const answer = await fetch(`${url}metrics`);
    assert.match(answer.headers.get('content-type') ?? '', /text\/plain/);
    const text = await answer.text();
    assert.equal(metricValue(text, 'cdn_replica_cache_hits_total', EDGE), 2);
    assert.equal(metricValue(text, 'cdn_replica_cache_misses_total', EDGE), 1);
    assert.equal(metricValue(text, 'cdn_replica_origin_fetches_total', EDGE), 1);
    assert.equal(metricValue(text, 'cdn_replica_cache_evictions_total', EDGE), 0);
    assert.equal(metricValue(text, 'cdn_replica_bytes_sent_total', EDGE), 3 * bytes.length);
    assert.equal(metricValue(text, 'cdn_replica_cached_bytes', EDGE), bytes.length);
    assert.equal(metricValue(text, 'cdn_replica_active_transfers', EDGE), 0);
    assert.ok((metricValue(text, 'cdn_replica_bytes_per_second', EDGE) ?? -1) >= 0);
    assert.notEqual(
      metricValue(text, 'process_cpu_user_seconds_total', EDGE),
      null,
      'default metrics',
    );
  });

  it('counts evictions', async (t) => {
    // One 1000-byte object and its bookkeeping fit, not two.
    const cacheBytes = 1500 + ENTRY_OVERHEAD_BYTES;
    const { origin, replica, client } = await setup(t, { admin: { port: 0 }, cacheBytes });
    origin.put('/a', bytesOf(1000, 1));
    origin.put('/b', bytesOf(1000, 2));
    const c = await client();
    await c.fetch('/a');
    await c.fetch('/b');
    const text = await (await fetch(`${replica.admin?.url ?? ''}metrics`)).text();
    assert.equal(metricValue(text, 'cdn_replica_cache_evictions_total', EDGE), 1);
  });

  it('runs no admin server unless asked', async (t) => {
    const { replica } = await setup(t);
    assert.equal(replica.admin, null);
  });
});
