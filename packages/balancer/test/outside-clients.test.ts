import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';
import { Writable } from 'node:stream';
import { afterEach, describe, it } from 'node:test';
import { pino } from 'pino';
import { decodeLegacyPacket, type Endpoint, type RouteOkMessage } from '@cdn-lab/protocol';
import {
  startBalancer,
  type BalancerHandle,
  type BalancerStatus,
  type Explanation,
  type InterfaceTable,
  type ReplicaView,
  type RouteEvent,
} from '../src/index.js';
import { FakeReplica } from './fake-replica.js';
import { RouteClient, tempServersFile, waitForState } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function entry(address: string, prefix: number): NetworkInterfaceInfo {
  const cidr = `${address}/${prefix}`;
  const mac = '00:00:00:00:00:00';
  return { address, cidr, family: 'IPv4', netmask: '', internal: false, mac };
}

/**
 * A machine as a swarm task sees it, on loopback: 127.0.0.1 stands for the ingress network
 * (where clients outside arrive), 127.0.5.0/24 for the stack's overlay (the replicas' network).
 */
const INTERFACES: InterfaceTable = () => ({
  ingress: [entry('127.0.0.1', 32)],
  overlay: [entry('127.0.5.254', 24)],
});

interface Lab {
  /** Listens on the "ingress" address: its clients are outside. */
  outer: BalancerHandle;
  /** Listens on the overlay: its clients are inside. */
  inner: BalancerHandle;
  /** A replica that can advertise an outside address (none at first). */
  edge: FakeReplica;
  /** A replica that never does. */
  plain: FakeReplica;
  /** The outer balancer's log lines. */
  lines: Record<string, unknown>[];
}

async function lab(): Promise<Lab> {
  const edge = await FakeReplica.start('127.0.5.1');
  const plain = await FakeReplica.start('127.0.5.2');
  cleanups.push(
    () => edge.stop(),
    () => plain.stop(),
  );
  const file = await tempServersFile([edge.id, plain.id]);
  cleanups.push(() => file.remove());
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const common = {
    port: 0,
    serversFile: file.file,
    probeIntervalMs: 20,
    legacySilenceMs: 50,
    interfaces: INTERFACES,
    admin: { host: '127.0.0.1', port: 0 },
  };
  const outer = await startBalancer({ ...common, host: '127.0.0.1', log: pino({}, sink) });
  cleanups.push(() => outer.close());
  const inner = await startBalancer({ ...common, host: '127.0.5.254' });
  cleanups.push(() => inner.close());
  for (const balancer of [outer, inner]) {
    for (const replica of [edge, plain]) await waitForState(balancer, replica.id, 'up');
  }
  return { outer, inner, edge, plain, lines };
}

/** Resolves once the balancer's view of the replica passes `check` (after a probe, if not yet). */
function untilView(
  balancer: BalancerHandle,
  id: string,
  check: (view: ReplicaView) => boolean,
): Promise<void> {
  const passes = (): boolean => {
    const view = balancer.snapshot().find((known) => known.id === id);
    return view !== undefined && check(view);
  };
  if (passes()) return Promise.resolve();
  return new Promise((resolve) => {
    const onProbe = (): void => {
      if (!passes()) return;
      balancer.events.off('probe', onProbe);
      resolve();
    };
    balancer.events.on('probe', onProbe);
  });
}

/** The edge replica advertises `address`; both balancers have seen it in a pong. */
async function advertise(setup: Lab, address: { host: string; port: number } | null) {
  setup.edge.advertised = address;
  const seen = (view: ReplicaView) =>
    (view.load?.advertised?.port ?? null) === (address?.port ?? null);
  for (const balancer of [setup.outer, setup.inner]) await untilView(balancer, setup.edge.id, seen);
}

/** Native route answers for /p0 … /p(n-1) on one connection. */
async function nativeRoutes(balancer: BalancerHandle, count = 24): Promise<RouteOkMessage[]> {
  const client = await RouteClient.open(balancer.endpoint);
  cleanups.push(() => client.close());
  const paths = Array.from({ length: count }, (_, i) => `/p${i}`);
  client.route(...paths);
  const answers: RouteOkMessage[] = [];
  for (const path of paths) {
    const answer = await client.next();
    assert.equal(answer?.type, 'route-ok', path);
    answers.push(answer as RouteOkMessage);
  }
  return answers;
}

const named = (endpoints: Endpoint[]): string[] => [...new Set(endpoints.map((e) => e.id))].sort();

function httpGet(endpoint: Endpoint, path: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = request({ host: endpoint.host, port: endpoint.port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ...res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The address in the one packet a silent (original) client is sent. */
async function legacyAnswer(balancer: BalancerHandle): Promise<string> {
  const socket = connect(balancer.endpoint.port, balancer.endpoint.host);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(socket, 'close');
  return decodeLegacyPacket(Buffer.concat(chunks)).payload.toString('ascii');
}

async function adminJson<T>(balancer: BalancerHandle, path: string): Promise<T> {
  const answer = await fetch(`${balancer.admin?.url ?? ''}${path}`);
  return (await answer.json()) as T;
}

describe('clients outside the replicas network', { timeout: 30_000 }, () => {
  it('while no replica advertises, everybody gets the probed addresses, as before', async () => {
    const { outer, edge, plain } = await lab();
    const answers = await nativeRoutes(outer);
    assert.deepEqual(named(answers.map((a) => a.best)), [edge.id, plain.id].sort());
    assert.ok(answers.every((answer) => answer.alternates.length === 1));
    const explained = await adminJson<Explanation>(outer, 'explain?client=127.0.0.1&path=/a');
    assert.equal(explained.subnet, undefined);
    assert.equal(await legacyAnswer(outer), '0.0.0.0', 'no replica on the balancer port');
  });

  it('gives an outside client only advertised addresses, an inside client the probed ones', async () => {
    const setup = await lab();
    const { outer, inner, edge, plain } = setup;
    const port = outer.endpoint.port;
    await advertise(setup, { host: '127.0.0.9', port });
    const outside = await nativeRoutes(outer);
    assert.deepEqual(named(outside.map((a) => a.best)), [`127.0.0.9:${port}`]);
    assert.ok(
      outside.every((answer) => answer.alternates.length === 0),
      'plain is no candidate',
    );
    const inside = await nativeRoutes(inner);
    assert.deepEqual(named(inside.map((a) => a.best)), [edge.id, plain.id].sort());
    assert.deepEqual(named(inside.flatMap((a) => a.alternates)), [edge.id, plain.id].sort());
  });

  it('adds a replica that starts advertising to the outside candidates', async () => {
    const setup = await lab();
    const { outer, plain } = setup;
    await advertise(setup, { host: '127.0.0.9', port: 9100 });
    assert.deepEqual(named((await nativeRoutes(outer)).map((a) => a.best)), ['127.0.0.9:9100']);
    plain.advertised = { host: '127.0.0.8', port: 9100 };
    await untilView(outer, plain.id, (view) => view.load?.advertised !== undefined);
    const answers = await nativeRoutes(outer);
    assert.deepEqual(named(answers.map((a) => a.best)), ['127.0.0.8:9100', '127.0.0.9:9100']);
  });

  it('names the advertised endpoint in the route event and log line, the replica beside it', async () => {
    const setup = await lab();
    const { outer, edge } = setup;
    await advertise(setup, { host: '127.0.0.9', port: 9100 });
    const events: RouteEvent[] = [];
    outer.events.on('route', (event) => events.push(event));
    await nativeRoutes(outer, 1);
    assert.deepEqual(
      events.map(({ best, replica }) => ({ best: best.id, replica })),
      [{ best: '127.0.0.9:9100', replica: edge.id }],
    );
    const line = setup.lines.find((logged) => logged['event'] === 'route');
    assert.equal(line?.['best'], '127.0.0.9:9100');
    assert.equal(line?.['replica'], edge.id);
    const status = await adminJson<BalancerStatus>(outer, 'status');
    const routes = await (await fetch(`${outer.admin?.url ?? ''}metrics`)).text();
    assert.match(routes, new RegExp(`cdn_balancer_routes_total\\{[^}]*replica="${edge.id}"`));
    assert.deepEqual(
      status.replicas.map(({ id, advertised }) => ({ id, advertised })),
      [
        { id: edge.id, advertised: '127.0.0.9:9100' },
        { id: setup.plain.id, advertised: null },
      ],
    );
  });

  it('redirects an HTTP client by the same rule', async () => {
    const setup = await lab();
    const { outer, inner, edge, plain } = setup;
    await advertise(setup, { host: '127.0.0.9', port: 9100 });
    const outside = await httpGet(outer.endpoint, '/x');
    assert.equal(outside['status'], 302);
    assert.equal(outside['location'], 'http://127.0.0.9:9100/x');
    assert.equal(outside['x-alternates'], '');
    const inside = await httpGet(inner.endpoint, '/x');
    const probed = [edge, plain].map((replica) => `http://${replica.id}/x`);
    assert.ok(probed.includes(String(inside['location'])), String(inside['location']));
  });

  it('answers the original client by the rule: IPv4 at the balancer port only', async () => {
    const setup = await lab();
    const { outer } = setup;
    await advertise(setup, { host: '127.0.0.9', port: outer.endpoint.port });
    assert.equal(await legacyAnswer(outer), '127.0.0.9');
    await advertise(setup, { host: '127.0.0.9', port: outer.endpoint.port + 1 });
    assert.equal(await legacyAnswer(outer), '0.0.0.0', 'another port: unreachable for it');
  });

  it('explains by the same rule, for the balancer address asked about', async () => {
    const setup = await lab();
    const { outer, edge } = setup;
    await advertise(setup, { host: '127.0.0.9', port: 9100 });
    const outside = await adminJson<Explanation>(outer, 'explain?client=127.0.0.1&path=/a');
    assert.equal(outside.subnet, '127.0.0.1/32');
    assert.deepEqual(
      { best: outside.best?.id, replica: outside.best?.replica, alternates: outside.alternates },
      { best: '127.0.0.9:9100', replica: edge.id, alternates: [] },
    );
    const query = 'explain?client=127.0.0.1&path=/a&local=127.0.5.254';
    const inside = await adminJson<Explanation>(outer, query);
    assert.equal(inside.subnet, '127.0.5.254/24');
    assert.equal(inside.best?.replica, undefined);
    assert.equal(inside.alternates.length, 1);
  });

  it('goes back to the probed addresses once no replica advertises any more', async () => {
    const setup = await lab();
    await advertise(setup, { host: '127.0.0.9', port: 9100 });
    await advertise(setup, null);
    const answers = await nativeRoutes(setup.outer);
    assert.deepEqual(named(answers.map((a) => a.best)), [setup.edge.id, setup.plain.id].sort());
  });
});
