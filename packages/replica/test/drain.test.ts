import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import type { Message } from '@cdn-lab/protocol';
import { setup } from './harness.js';
import { assertFetched } from './test-client.js';
import { bytesOf, gate } from './test-origin.js';

async function connectionRefused(port: number): Promise<boolean> {
  const socket = connect(port, '127.0.0.1');
  try {
    await once(socket, 'connect');
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ECONNREFUSED';
  } finally {
    socket.destroy();
  }
}

describe('drain', { timeout: 20_000 }, () => {
  it('finishes the transfer in flight, refuses new connections, reports draining, then resolves', async (t) => {
    const { origin, replica, client } = await setup(t);
    const bytes = bytesOf(3 * 1024 * 1024, 21);
    const release = gate();
    origin.put('/movie.bin', bytes, { holdAfter: 256 * 1024, release: release.promise });
    origin.put('/small', bytesOf(100));
    const downloader = await client();
    const probe = await client();
    const idle = await client();
    await idle.fetch('/small');
    await probe.ping(1);

    const order: string[] = [];
    replica.events.on('transfer-end', () => order.push('transfer-end'));
    const firstData = new Promise<void>((resolve) =>
      downloader.on('message', (message: Message) => message.type === 'data' && resolve()),
    );
    const download = downloader.fetch('/movie.bin');
    await firstData;

    const drained = replica.drain().then(() => order.push('drained'));
    await idle.closed; // an idle data connection is ended at once
    assert.equal(
      await connectionRefused(replica.endpoint.port),
      true,
      'new connections are refused',
    );
    const pong = await probe.ping(2);
    assert.equal(pong.load.draining, true);
    assert.equal(pong.load.activeTransfers, 1);
    assert.deepEqual(order, [], 'drain waits for the transfer');

    release.open();
    assertFetched(await download, bytes);
    await drained;
    assert.deepEqual(order, ['transfer-end', 'drained']);
  });

  it('answers a get that arrives during a drain with a draining error', async (t) => {
    const { origin, replica, client } = await setup(t);
    const release = gate();
    origin.put('/slow', bytesOf(500_000), { holdAfter: 1000, release: release.promise });
    const busy = await client();
    const fresh = await client();
    const started = new Promise<void>((resolve) =>
      busy.on('message', (message: Message) => message.type === 'data' && resolve()),
    );
    const download = busy.fetch('/slow');
    await started;
    const drained = replica.drain();
    const refused = await fresh.get('/slow');
    assert.ok('type' in refused && refused.code === 'draining');
    release.open();
    await download;
    await drained;
  });

  it('cuts transfers that outlast the drain timeout', async (t) => {
    const { origin, replica, client } = await setup(t, { drainTimeoutMs: 100 });
    const release = gate();
    t.after(() => release.open());
    origin.put('/stuck', bytesOf(500_000), { holdAfter: 1000, release: release.promise });
    const c = await client();
    const started = new Promise<void>((resolve) =>
      c.on('message', (message: Message) => message.type === 'data' && resolve()),
    );
    const download = c.fetch('/stuck');
    await started;
    await replica.drain();
    await assert.rejects(download, /connection closed/);
  });
});
