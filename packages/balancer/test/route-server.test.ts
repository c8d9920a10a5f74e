import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, it } from 'node:test';
import { FrameType, encodeFrameHeader, encodeMessage, type FrameTypeCode } from '@cdn-lab/protocol';
import { startBalancer, type BalancerHandle, type RouteEvent } from '../src/index.js';
import { FakeReplica } from './fake-replica.js';
import { RouteClient, tempServersFile, waitForState } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A balancer over `count` answering fake replicas, all of them up. */
async function upBalancer(
  count: number,
  strategy = 'round-robin',
  settings: { query?: string } = {},
): Promise<BalancerHandle> {
  return upBalancerOver(await fakeReplicas(count), strategy, settings);
}

async function fakeReplicas(count: number): Promise<FakeReplica[]> {
  const replicas = await Promise.all(Array.from({ length: count }, () => FakeReplica.start()));
  for (const replica of replicas) cleanups.push(() => replica.stop());
  return replicas;
}

async function upBalancerOver(
  replicas: FakeReplica[],
  strategy: string,
  settings: { query?: string } = {},
): Promise<BalancerHandle> {
  const file = await tempServersFile(replicas.map((replica) => replica.id));
  cleanups.push(() => file.remove());
  const balancer = await startBalancer({
    port: 0,
    serversFile: file.file,
    strategy,
    probeIntervalMs: 20,
    ...settings,
  });
  cleanups.push(() => balancer.close());
  await Promise.all(replicas.map((replica) => waitForState(balancer, replica.id, 'up')));
  return balancer;
}

/** Resolves at the next answered probe of replica `id`. */
async function probeAnswered(balancer: BalancerHandle, id: string): Promise<void> {
  for (;;) {
    const [probe] = (await once(balancer.events, 'probe')) as [{ id: string }];
    if (probe.id === id) return;
  }
}

function frame(type: FrameTypeCode, payload: string): Buffer {
  const bytes = Buffer.from(payload);
  return Buffer.concat([encodeFrameHeader(type, bytes.length), bytes]);
}

async function openClient(balancer: BalancerHandle, preamble = true): Promise<RouteClient> {
  const client = await RouteClient.open(balancer.endpoint, preamble);
  cleanups.push(() => client.close());
  return client;
}

describe('route server', () => {
  it('answers pipelined route frames in order, with distinct alternates', async () => {
    const balancer = await upBalancer(4);
    const decisions: RouteEvent[] = [];
    balancer.events.on('route', (event) => decisions.push(event));
    const client = await openClient(balancer);
    const paths = ['/a', '/b', null, '/c', '/d', '/e', '/f', '/g'];
    client.route(...paths);

    const answers = [];
    for (let i = 0; i < paths.length; i += 1) answers.push(await client.next());
    assert.deepEqual(
      decisions.map((decision) => decision.path),
      paths,
    );
    const ids = balancer.snapshot().map((view) => view.id);
    answers.forEach((answer, index) => {
      assert.equal(answer?.type, 'route-ok');
      if (answer?.type !== 'route-ok') return;
      const decision = decisions[index] as RouteEvent;
      assert.deepEqual(
        answer.best,
        decision.best,
        `answer ${index} is the decision for its request`,
      );
      assert.deepEqual(answer.alternates, decision.alternates);
      assert.equal(answer.strategy, 'round-robin');
      const named = [answer.best.id, ...answer.alternates.map((alternate) => alternate.id)];
      assert.equal(answer.alternates.length, 2);
      assert.equal(new Set(named).size, named.length, 'best and alternates are distinct');
      assert.equal(answer.best.id, ids[index % ids.length], 'round-robin takes turns');
    });
  });

  it('never names a replica that went down, and counts routes with no one listening', async () => {
    const replicas = await fakeReplicas(3);
    const balancer = await upBalancerOver(replicas, 'consistent');
    const client = await openClient(balancer);
    const paths = Array.from({ length: 48 }, (_, index) => `/objects/${index}.bin`);
    const namedIn = async (): Promise<Set<string>[]> => {
      client.route(...paths);
      const named: Set<string>[] = [];
      for (const path of paths) {
        const answer = await client.next();
        assert.equal(answer?.type, 'route-ok', path);
        if (answer?.type !== 'route-ok') continue;
        named.push(new Set([answer.best.id, ...answer.alternates.map((other) => other.id)]));
      }
      return named;
    };
    const [victim] = replicas;
    assert.ok(victim);
    const before = await namedIn();
    assert.ok(
      before.every((ids) => ids.has(victim.id)),
      'with 3 up, each answer names all 3',
    );
    assert.equal(balancer.routesTotal, paths.length);
    assert.ok(balancer.routesTo(victim.id) > 0, 'the victim owned some paths');
    const routedToVictim = balancer.routesTo(victim.id);

    await victim.stop();
    await waitForState(balancer, victim.id, 'down');
    const after = await namedIn();
    assert.ok(
      after.every((ids) => !ids.has(victim.id) && ids.size === 2),
      'only the 2 up',
    );
    assert.equal(balancer.routesTotal, 2 * paths.length);
    assert.equal(balancer.routesTo(victim.id), routedToVictim);
  });

  it('switches strategy while running', async () => {
    const balancer = await upBalancer(3);
    balancer.setStrategy('consistent');
    const client = await openClient(balancer);
    client.route('/same', '/same', '/same');
    const answers = [await client.next(), await client.next(), await client.next()];
    for (const answer of answers)
      assert.equal(answer?.type === 'route-ok' && answer.strategy, 'consistent');
    assert.throws(() => balancer.setStrategy('random'), /choose one of round-robin, least-loaded/);
  });

  it('answers a malformed frame with an error frame, then closes', async () => {
    const balancer = await upBalancer(1);
    const client = await openClient(balancer);
    client.route('/fine');
    client.socket.write(frame(0x7e as FrameTypeCode, '{}'));
    assert.equal((await client.next())?.type, 'route-ok');
    const error = await client.next();
    assert.equal(error?.type, 'error');
    assert.equal(error?.type === 'error' && error.code, 'unknown_type');
    assert.equal(await client.next(), null, 'the connection is closed');
  });

  it('rejects a bad route payload, a wrong version and a frame meant for replicas', async () => {
    const balancer = await upBalancer(1);
    const cases: { bytes: Buffer; preamble: boolean; code: string }[] = [
      {
        preamble: true,
        bytes: frame(FrameType.Route, '{"path":"no-leading-slash"}'),
        code: 'bad_message',
      },
      { preamble: false, bytes: Buffer.from('CDNL\x09', 'latin1'), code: 'unsupported_version' },
      {
        preamble: true,
        bytes: encodeMessage({ type: 'get', path: '/a', offset: 0 }),
        code: 'unexpected_message',
      },
    ];
    for (const { bytes, preamble, code } of cases) {
      const client = await openClient(balancer, preamble);
      client.socket.write(bytes);
      const answer = await client.next();
      assert.equal(answer?.type === 'error' && answer.code, code);
      assert.equal(await client.next(), null);
    }
  });

  it('answers HTTP on the same port and closes an unknown dialect', async () => {
    const balancer = await upBalancer(1);
    const http = connect(balancer.endpoint.port, balancer.endpoint.host);
    http.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const chunks: Buffer[] = [];
    http.on('data', (chunk: Buffer) => chunks.push(chunk));
    await once(http, 'close');
    assert.match(Buffer.concat(chunks).toString(), /^HTTP\/1\.1 302 Found\r\n/);

    const junk = connect(balancer.endpoint.port, balancer.endpoint.host);
    junk.write(Buffer.from('\xff'.repeat(16), 'latin1'));
    const received: Buffer[] = [];
    junk.on('data', (chunk: Buffer) => received.push(chunk));
    await once(junk, 'close');
    assert.equal(Buffer.concat(received).length, 0);
  });

  it('closes gracefully: open connections end and new ones are refused', async () => {
    const balancer = await upBalancer(2);
    const client = await openClient(balancer);
    client.route('/before-close');
    assert.equal((await client.next())?.type, 'route-ok');
    await balancer.close();
    assert.equal(await client.next(), null);
    const late = connect(balancer.endpoint.port, balancer.endpoint.host);
    const [error] = (await once(late, 'error')) as [NodeJS.ErrnoException];
    assert.equal(error.code, 'ECONNREFUSED');
  });

  it('sends every spelling of an object to the same replica, and the queries --query drops', async () => {
    /**
     * The best replica for each path. After each route the test waits for that replica's next
     * probe answer: routes sent since its last report count as load, and the consistent
     * strategy would spill a path asked again and again at once to the next replica.
     */
    const bestFor = async (balancer: BalancerHandle, paths: string[]): Promise<Set<string>> => {
      const client = await openClient(balancer);
      const best = new Set<string>();
      for (const path of paths) {
        client.route(path);
        const answer = await client.next();
        assert.equal(answer?.type, 'route-ok', path);
        if (answer?.type !== 'route-ok') continue;
        best.add(answer.best.id);
        await probeAnswered(balancer, answer.best.id);
      }
      return best;
    };
    const spellings = ['/objects/1k.bin', '/objects/%31k.bin', '/objects/1%6B.bin'];
    spellings.push('/objects/1k.bin?', '//objects/./1%6b.bin');
    const busted = Array.from({ length: 8 }, (_, i) => `/objects/1k.bin?bust=${i}`);
    const keeping = await upBalancer(8, 'consistent');
    assert.equal((await bestFor(keeping, spellings)).size, 1, 'one owner for every spelling');
    assert.ok((await bestFor(keeping, busted)).size > 1, 'with keep, each query is its own object');
    const ignoring = await upBalancer(8, 'consistent', { query: 'ignore' });
    assert.equal((await bestFor(ignoring, [...spellings, ...busted])).size, 1);
    const allowing = await upBalancer(8, 'consistent', { query: 'allow=v' });
    const versions = ['/a.js?v=1&bust=1', '/a.js?bust=2&v=1', '/a.js?v=1'];
    assert.equal((await bestFor(allowing, versions)).size, 1, 'only v counts');
  });
});
