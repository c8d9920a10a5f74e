import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '@cdn-lab/common';
import { REPLICA_DEFAULTS, resolveReplicaOptions, startReplica } from '../src/index.js';

describe('replica settings', () => {
  it('fill in every default from one table', () => {
    const resolved = resolveReplicaOptions({ origin: 'http://127.0.0.1:8080' });
    assert.equal(resolved.cacheBytes, REPLICA_DEFAULTS.cacheBytes);
    assert.equal(resolved.ttlMs, REPLICA_DEFAULTS.ttlMs);
    assert.equal(resolved.port, REPLICA_DEFAULTS.port);
    assert.equal(resolved.limits.maxConnections, 1024);
    assert.deepEqual(resolved.faults, {});
  });

  it('refuse a bad value by name before anything starts', async () => {
    const origin = 'http://127.0.0.1:8080';
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ cacheBytes: 0 }, /the cache size must be above 0/],
      [{ ttlMs: -1 }, /the TTL must be 0 or more/],
      [{ port: 70_000 }, /the port must be a whole number from 0 to 65535/],
      [{ originRetries: 1.5 }, /the origin retries must be a whole number/],
      [{ faults: { errorRate: 3 } }, /errorRate must be between 0 and 1/],
      [{ origin: null }, /needs an origin/],
      [{ query: 'sometimes' }, /--query must be keep, ignore or allow=/],
    ];
    for (const [bad, message] of cases) {
      await assert.rejects(
        startReplica({ origin, port: 0, ...bad }),
        (error: unknown) => error instanceof UserError && message.test(error.message),
        JSON.stringify(bad),
      );
    }
  });
});
