import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { LegacyFlag, decodeLegacyPacket, encodeLegacyPacket } from '@cdn-lab/protocol';
import { startReplica, type ReplicaHandle } from '../src/index.js';
import { TestOrigin, bytesOf } from './test-origin.js';

async function replicaWithPage(t: TestContext, page: Buffer): Promise<ReplicaHandle> {
  const origin = await TestOrigin.start();
  t.after(() => origin.stop());
  origin.put('/page.html', page);
  const replica = await startReplica({ origin: origin.url, defaultObject: '/page.html', port: 0 });
  t.after(() => replica.close());
  return replica;
}

/** Every read, as the original sees them (one read per packet on loopback). */
function reads(socket: Socket): () => Promise<Buffer | null> {
  const queue: Buffer[] = [];
  let wake: ((read: Buffer | null) => void) | null = null;
  socket.on('data', (chunk: Buffer) => (wake ? (wake(chunk), (wake = null)) : queue.push(chunk)));
  socket.on('close', () => wake?.(null));
  return () => {
    const queued = queue.shift();
    if (queued) return Promise.resolve(queued);
    if (socket.destroyed) return Promise.resolve(null);
    return new Promise((resolve) => (wake = resolve));
  };
}

describe('legacy clients at the replica', { timeout: 20_000 }, () => {
  it('sends the default object in ≤512-byte chunks, one per ACK, and counts the transfer', async (t) => {
    const page = bytesOf(1300, 9);
    const replica = await replicaWithPage(t, page);
    const socket = connect(replica.endpoint.port, '127.0.0.1');
    await once(socket, 'connect');
    const next = reads(socket);
    socket.write(encodeLegacyPacket({ seq: 12345, ack: 0, flags: LegacyFlag.SYN }));
    const first = decodeLegacyPacket((await next()) as Buffer);
    assert.equal(first.seq, 0, 'seq is the ack field of the SYN');
    assert.equal(first.ack, 12346, "ack is the SYN's seq + 1");
    assert.equal(first.flags, LegacyFlag.SYN);
    assert.equal(first.payload.length, 512);
    assert.equal(replica.loadReport().activeTransfers, 1, 'a legacy transfer counts as load');

    socket.write(encodeLegacyPacket({ seq: 77, ack: 512, flags: LegacyFlag.ACK }));
    const second = decodeLegacyPacket((await next()) as Buffer);
    assert.deepEqual([second.seq, second.ack, second.flags], [512, 78, LegacyFlag.SYN]);
    socket.write(encodeLegacyPacket({ seq: 78, ack: 1024, flags: LegacyFlag.ACK }));
    const last = decodeLegacyPacket((await next()) as Buffer);
    assert.equal(last.flags, LegacyFlag.SYN | LegacyFlag.FIN);
    assert.equal(last.payload.length, 1300 - 1024);
    const ended = once(replica.events, 'transfer-end');
    socket.write(
      encodeLegacyPacket({ seq: 79, ack: 1300, flags: LegacyFlag.ACK | LegacyFlag.FIN }),
    );
    assert.equal(await next(), null, 'the replica closes after the final ACK');
    await ended;
    assert.deepEqual(Buffer.concat([first.payload, second.payload, last.payload]), page);
    assert.equal(replica.loadReport().activeTransfers, 0);
  });

  it('closes a conversation that does not open with SYN, without sending anything', async (t) => {
    const replica = await replicaWithPage(t, bytesOf(100));
    const socket = connect(replica.endpoint.port, '127.0.0.1');
    await once(socket, 'connect');
    const next = reads(socket);
    socket.write(encodeLegacyPacket({ seq: 1, ack: 0, flags: LegacyFlag.ACK }));
    assert.equal(await next(), null);
  });
});
