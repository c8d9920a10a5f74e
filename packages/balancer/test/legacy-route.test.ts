import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { LegacyFlag, decodeLegacyPacket } from '@cdn-lab/protocol';
import { startBalancer, type BalancerHandle } from '../src/index.js';
import { FakeReplica } from './fake-replica.js';
import { RouteClient, tempServersFile, waitForState } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A balancer on 127.0.0.1 and replicas on other loopback addresses at the balancer's port (the
 * original client reaches a replica on the port it used for the balancer). Lines without a
 * port take the balancer's.
 */
async function sharedPortLab(hosts: string[], legacySilenceMs: number): Promise<BalancerHandle> {
  const file = await tempServersFile(hosts);
  cleanups.push(() => file.remove());
  const balancer = await startBalancer({
    port: 0,
    serversFile: file.file,
    probeIntervalMs: 20,
    legacySilenceMs,
  });
  cleanups.push(() => balancer.close());
  for (const host of hosts) {
    const replica = await FakeReplica.start(host, balancer.endpoint.port);
    cleanups.push(() => replica.stop());
    await waitForState(balancer, replica.id, 'up');
  }
  return balancer;
}

/** Connects, sends nothing, and returns the one read the balancer sends before closing. */
async function silentClient(port: number): Promise<Buffer> {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(socket, 'close');
  return Buffer.concat(chunks);
}

describe('legacy clients at the balancer', { timeout: 20_000 }, () => {
  it('answers a silent client with one packet naming a replica at the same port', async () => {
    const balancer = await sharedPortLab(['127.0.2.1', '127.0.2.2'], 50);
    const routes: string[] = [];
    balancer.events.on('route', (event) => routes.push(`${event.dialect} ${event.best.host}`));
    const packet = decodeLegacyPacket(await silentClient(balancer.endpoint.port));
    assert.equal(packet.seq, 1);
    assert.equal(packet.ack, 1);
    assert.equal(packet.flags, LegacyFlag.SYN);
    const address = packet.payload.toString('ascii');
    assert.ok(['127.0.2.1', '127.0.2.2'].includes(address), address);
    assert.deepEqual(routes, [`legacy ${address}`]);
  });

  it('says 0.0.0.0 when no replica is reachable by the original client', async () => {
    const replica = await FakeReplica.start();
    cleanups.push(() => replica.stop());
    const file = await tempServersFile([replica.id]);
    cleanups.push(() => file.remove());
    const balancer = await startBalancer({
      port: 0,
      serversFile: file.file,
      probeIntervalMs: 20,
      legacySilenceMs: 20,
    });
    cleanups.push(() => balancer.close());
    await waitForState(balancer, replica.id, 'up');
    // The only replica listens on another port than the balancer's: unreachable for it.
    const packet = decodeLegacyPacket(await silentClient(balancer.endpoint.port));
    assert.equal(packet.payload.toString('ascii'), '0.0.0.0');
  });

  it('answers a native client at once, however long the legacy wait', async () => {
    const balancer = await sharedPortLab(['127.0.2.3'], 60_000);
    const silent = connect(balancer.endpoint.port, '127.0.0.1');
    let silentBytes = 0;
    silent.on('data', (chunk: Buffer) => (silentBytes += chunk.length));
    await once(silent, 'connect');
    cleanups.push(async () => {
      silent.destroy();
    });
    const client = await RouteClient.open(balancer.endpoint);
    cleanups.push(() => client.close());
    client.route('/a');
    const answer = await client.next();
    assert.equal(answer?.type, 'route-ok');
    assert.equal(silentBytes, 0, 'the silent connection is still waiting');
  });
});
