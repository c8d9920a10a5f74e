import assert from 'node:assert/strict';
import { once } from 'node:events';
import { afterEach, describe, it } from 'node:test';
import { startBalancer, type BalancerHandle, type BalancerOptions } from '../src/index.js';
import { FakeReplica } from './fake-replica.js';
import {
  RouteClient,
  closedPort,
  tempServersFile,
  waitForState,
  type TempServersFile,
} from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function replicas(count: number): Promise<FakeReplica[]> {
  const started = await Promise.all(Array.from({ length: count }, () => FakeReplica.start()));
  for (const replica of started) cleanups.push(() => replica.stop());
  return started;
}

async function balancerFor(
  lines: string[],
  options: BalancerOptions = {},
): Promise<{ balancer: BalancerHandle; file: TempServersFile }> {
  const file = await tempServersFile(lines);
  cleanups.push(() => file.remove());
  const balancer = await startBalancer({
    port: 0,
    serversFile: file.file,
    probeIntervalMs: 20,
    probeTimeoutMs: 200,
    ...options,
  });
  cleanups.push(() => balancer.close());
  return { balancer, file };
}

describe('prober', () => {
  it('brings an answering replica up with latency and load figures', async () => {
    const [replica] = (await replicas(1)) as [FakeReplica];
    replica.activeTransfers = 3;
    const { balancer } = await balancerFor([replica.id]);
    const change = await waitForState(balancer, replica.id, 'up');
    assert.equal(change?.from, 'unknown');
    const [view] = balancer.snapshot();
    assert.equal(view?.state, 'up');
    assert.ok((view?.rttEwmaMs ?? 0) > 0);
    assert.equal(view?.load?.activeTransfers, 3);
    assert.equal(view?.inflight, 3);
  });

  it('takes a stopped replica down after `fall` failures and back up after `rise` answers', async () => {
    const [replica] = (await replicas(1)) as [FakeReplica];
    const { balancer } = await balancerFor([replica.id], { rise: 3, fall: 2 });
    await waitForState(balancer, replica.id, 'up');

    const down = waitForState(balancer, replica.id, 'down');
    await replica.stop();
    const wentDown = await down;
    assert.equal(wentDown?.from, 'up');
    assert.match(wentDown?.reason ?? '', /^2 probes failed in a row/);

    const answeredBefore = replica.pingsAnswered;
    const up = waitForState(balancer, replica.id, 'up');
    await replica.listen();
    const cameUp = await up;
    assert.match(cameUp?.reason ?? '', /^3 probes answered in a row/);
    assert.ok(replica.pingsAnswered - answeredBefore >= 3);
  });

  it('counts `rise` over answers an interval apart, also after a reconnect', async () => {
    const intervalMs = 150;
    const [replica] = (await replicas(1)) as [FakeReplica];
    const { balancer } = await balancerFor([replica.id], { probeIntervalMs: intervalMs, rise: 2 });
    await waitForState(balancer, replica.id, 'up');
    await replica.stop();
    await waitForState(balancer, replica.id, 'down');
    replica.pingTimes.length = 0;
    const up = waitForState(balancer, replica.id, 'up');
    await replica.listen();
    await up;
    const [first, second] = replica.pingTimes;
    assert.ok(first !== undefined && second !== undefined, 'two answered pings brought it up');
    // The ping sent on connecting and the next one: never closer than an interval (a little
    // slack for when each was read, not sent).
    assert.ok(second - first >= intervalMs * 0.9, `pings ${(second - first).toFixed(1)} ms apart`);
  });

  it('with the defaults, a killed replica is down within a second', async () => {
    const [replica] = (await replicas(1)) as [FakeReplica];
    const { balancer } = await balancerFor([replica.id], {
      probeIntervalMs: undefined,
      probeTimeoutMs: undefined,
    });
    await waitForState(balancer, replica.id, 'up');
    const down = waitForState(balancer, replica.id, 'down');
    const killedAt = Date.now();
    await replica.stop();
    const change = await down;
    const took = (change?.at ?? Infinity) - killedAt;
    assert.ok(took < 1000, `down after ${took} ms`);
  });

  it('with the defaults, a replica that stops answering is down within about a second', async () => {
    const [replica] = (await replicas(1)) as [FakeReplica];
    const { balancer } = await balancerFor([replica.id], {
      probeIntervalMs: undefined,
      probeTimeoutMs: undefined,
    });
    await waitForState(balancer, replica.id, 'up');
    const down = waitForState(balancer, replica.id, 'down');
    const silencedAt = Date.now();
    replica.silent = true;
    const change = await down;
    const took = (change?.at ?? Infinity) - silencedAt;
    assert.ok(took < 1300, `down after ${took} ms`);
    assert.match(change?.reason ?? '', /no pong within 500 ms/);

    const up = waitForState(balancer, replica.id, 'up');
    replica.silent = false;
    await up;
  });

  it('never routes to a draining replica, and routes to it again when it stops draining', async () => {
    const [draining, healthy] = (await replicas(2)) as [FakeReplica, FakeReplica];
    const { balancer } = await balancerFor([draining.id, healthy.id], { strategy: 'round-robin' });
    await Promise.all([
      waitForState(balancer, draining.id, 'up'),
      waitForState(balancer, healthy.id, 'up'),
    ]);
    const drainingNow = waitForState(balancer, draining.id, 'draining');
    draining.draining = true;
    await drainingNow;

    const client = await RouteClient.open(balancer.endpoint);
    cleanups.push(() => client.close());
    const paths = Array.from({ length: 10 }, (_, index) => `/d/${index}`);
    client.route(...paths);
    for (let i = 0; i < paths.length; i += 1) {
      const answer = await client.next();
      assert.equal(answer?.type, 'route-ok');
      if (answer?.type !== 'route-ok') return;
      assert.equal(answer.best.id, healthy.id);
      assert.deepEqual(answer.alternates, []);
    }

    const back = waitForState(balancer, draining.id, 'up');
    draining.draining = false;
    await back;
    client.route('/x', '/y');
    const bests = [await client.next(), await client.next()].map((m) =>
      m?.type === 'route-ok' ? m.best.id : m?.type,
    );
    assert.deepEqual([...bests].sort(), [draining.id, healthy.id].sort());
  });

  it('answers no_replica at once, with a retry-after, when every replica is down', async () => {
    const ports = [await closedPort(), await closedPort()];
    const ids = ports.map((port) => `127.0.0.1:${port}`);
    const { balancer } = await balancerFor(ids, { probeIntervalMs: 30, rise: 2 });
    await Promise.all(ids.map((id) => waitForState(balancer, id, 'down')));

    const client = await RouteClient.open(balancer.endpoint);
    cleanups.push(() => client.close());
    const askedAt = Date.now();
    client.route('/index.html');
    const answer = await client.next();
    const took = Date.now() - askedAt;
    assert.equal(answer?.type, 'error');
    if (answer?.type !== 'error') return;
    assert.equal(answer.code, 'no_replica');
    assert.equal(answer.message, 'no healthy replica: 0 of 2 up');
    assert.equal(answer.retryAfterMs, 60);
    assert.ok(took < 500, `answered after ${took} ms`);

    // The connection stays usable for the next try.
    client.route('/index.html');
    assert.equal((await client.next())?.type, 'error');
  });

  it('starts probing a replica added to the servers file while running', async () => {
    const [first, second] = (await replicas(2)) as [FakeReplica, FakeReplica];
    const { balancer, file } = await balancerFor([first.id], { reloadIntervalMs: 20 });
    await waitForState(balancer, first.id, 'up');
    const changed = once(balancer.events, 'replicas');
    await file.append(second.id);
    await changed;
    await waitForState(balancer, second.id, 'up');
    assert.deepEqual(
      balancer.snapshot().map((view) => view.id),
      [first.id, second.id].sort(),
    );
  });
});
