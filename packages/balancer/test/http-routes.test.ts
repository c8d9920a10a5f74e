import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import {
  parseRouteTarget,
  replicaUrl,
  startBalancer,
  type BalancerHandle,
  type RouteEvent,
} from '../src/index.js';
import { FakeReplica } from './fake-replica.js';
import { tempServersFile, waitForState } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function balancerOver(count: number): Promise<BalancerHandle> {
  const replicas = await Promise.all(Array.from({ length: count }, () => FakeReplica.start()));
  for (const replica of replicas) cleanups.push(() => replica.stop());
  const file = await tempServersFile(replicas.map((replica) => replica.id));
  cleanups.push(() => file.remove());
  const balancer = await startBalancer({
    port: 0,
    serversFile: file.file,
    strategy: 'round-robin',
    probeIntervalMs: 20,
  });
  cleanups.push(() => balancer.close());
  await Promise.all(replicas.map((replica) => waitForState(balancer, replica.id, 'up')));
  return balancer;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('balancer over HTTP', { timeout: 20_000 }, () => {
  it('redirects GET /path to the chosen replica, naming the alternates and the strategy', async () => {
    const balancer = await balancerOver(3);
    const routes: RouteEvent[] = [];
    balancer.events.on('route', (event) => routes.push(event));
    const answer = await get(balancer.endpoint.port, '/objects/1m.bin?v=2');
    assert.equal(answer.status, 302);
    const decision = routes[0];
    assert.ok(decision, 'the same route event as native requests');
    assert.equal(decision.dialect, 'http');
    assert.equal(decision.path, '/objects/1m.bin?v=2');
    assert.equal(answer.headers['location'], `http://${decision.best.id}/objects/1m.bin?v=2`);
    assert.equal(
      answer.headers['x-alternates'],
      decision.alternates.map((alt) => `http://${alt.id}/objects/1m.bin?v=2`).join(', '),
    );
    assert.equal(decision.alternates.length, 2);
    assert.equal(answer.headers['x-strategy'], 'round-robin');
  });

  it('answers JSON for Accept: application/json or ?format=json', async () => {
    const balancer = await balancerOver(2);
    const routes: RouteEvent[] = [];
    balancer.events.on('route', (event) => routes.push(event));
    const byHeader = await get(balancer.endpoint.port, '/a.html', { Accept: 'application/json' });
    const byQuery = await get(balancer.endpoint.port, '/a.html?format=json');
    for (const [index, answer] of [byHeader, byQuery].entries()) {
      assert.equal(answer.status, 200);
      assert.match(String(answer.headers['content-type']), /^application\/json/);
      const body = JSON.parse(answer.body) as Record<string, unknown>;
      const decision = routes[index] as RouteEvent;
      assert.equal(decision.path, '/a.html', 'format=json is not part of the routed path');
      assert.equal(body['location'], `http://${decision.best.id}/a.html`);
      assert.deepEqual(
        body['alternates'],
        decision.alternates.map((alt) => `http://${alt.id}/a.html`),
      );
      assert.equal(body['strategy'], 'round-robin');
      assert.equal(typeof body['reason'], 'string');
    }
  });

  it('answers 503 with Retry-After when no replica is healthy', async () => {
    const file = await tempServersFile([]);
    cleanups.push(() => file.remove());
    const balancer = await startBalancer({ port: 0, serversFile: file.file, probeIntervalMs: 700 });
    cleanups.push(() => balancer.close());
    const answer = await get(balancer.endpoint.port, '/x');
    assert.equal(answer.status, 503);
    assert.equal(answer.headers['retry-after'], '2', '700 ms × rise 2, rounded up to seconds');
    assert.match(answer.body, /no healthy replica/);
  });

  it('keeps the connection alive, and answers a malformed request line with 400 and closes', async () => {
    const balancer = await balancerOver(1);
    const socket = connect(balancer.endpoint.port, '127.0.0.1');
    await once(socket, 'connect');
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.write('GET /one HTTP/1.1\r\nHost: a\r\n\r\nGET /two HTTP/1.1\r\nHost: a\r\n\r\n');
    socket.write('GET /three HTTP/1.1 oops\r\nHost: a\r\n\r\n');
    await once(socket, 'close');
    const statuses = [...text.matchAll(/^HTTP\/1\.1 (\d+)/gm)].map((match) => match[1]);
    assert.deepEqual(statuses, ['302', '302', '400']);
  });

  it('builds replica URLs with IPv6 hosts in brackets and keeps other query parameters', () => {
    assert.equal(replicaUrl({ id: 'x', host: '::1', port: 9000 }, '/a'), 'http://[::1]:9000/a');
    assert.equal(replicaUrl({ id: 'x', host: '127.0.1.2', port: 80 }, '/'), 'http://127.0.1.2:80/');
    assert.deepEqual(parseRouteTarget('/a?x=1&format=json', undefined), {
      path: '/a?x=1',
      json: true,
    });
    assert.deepEqual(parseRouteTarget('/a?x=1', 'text/html'), { path: '/a?x=1', json: false });
    assert.equal(parseRouteTarget('*', undefined), null);
  });
});
