import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BalancerSession, ClientError, requestRoute } from '../src/index.js';
import { deadEndpoint, startFakeBalancer, type FakeBalancer } from './fakes.js';

describe('requestRoute and BalancerSession', () => {
  let balancer: FakeBalancer;
  const best = { id: '127.0.0.1:7001', host: '127.0.0.1', port: 7001 };

  before(async () => {
    balancer = await startFakeBalancer((path) =>
      path === '/busy'
        ? { type: 'error', code: 'no_replica', message: 'none healthy', retryAfterMs: 250 }
        : { type: 'route-ok', best, alternates: [], strategy: 'fake', reason: `for ${path}` },
    );
  });
  after(() => balancer.close());

  it('returns the route-ok answer', async () => {
    const route = await requestRoute(balancer.address, '/x');
    assert.deepEqual(route.best, best);
    assert.equal(route.reason, 'for /x');
  });

  it("throws the balancer's code with retryAfterMs", async () => {
    await assert.rejects(requestRoute(balancer.address, '/busy'), (error: unknown) => {
      assert.ok(error instanceof ClientError);
      assert.equal(error.code, 'no_replica');
      assert.equal(error.retryAfterMs, 250);
      return true;
    });
  });

  it('pipelines requests on one connection and pairs answers in order', async () => {
    const session = new BalancerSession(balancer.address);
    const before = balancer.connections;
    try {
      const paths = ['/1', '/2', '/busy', '/4', '/5'];
      const answers = await Promise.allSettled(paths.map((path) => session.route(path)));
      const reasons = answers.map((answer) =>
        answer.status === 'fulfilled' ? answer.value.reason : (answer.reason as ClientError).code,
      );
      assert.deepEqual(reasons, ['for /1', 'for /2', 'no_replica', 'for /4', 'for /5']);
      assert.equal(balancer.connections - before, 1);
    } finally {
      session.close();
    }
  });

  it('says balancer_unreachable with the address when nothing listens', async () => {
    const dead = await deadEndpoint();
    await assert.rejects(requestRoute(dead, null), (error: unknown) => {
      assert.ok(error instanceof ClientError);
      assert.equal(error.code, 'balancer_unreachable');
      assert.equal(
        error.message,
        `balancer ${dead.id} is not reachable: connection refused (is cdn-balancer running?)`,
      );
      return true;
    });
  });
});
