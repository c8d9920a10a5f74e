import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { startBalancer } from '@cdn-lab/balancer';
import { startOrigin } from '@cdn-lab/origin';
import {
  FrameDecoder,
  LegacyFlag,
  encodeLegacyPacket,
  encodeMessage,
  encodePreamble,
} from '@cdn-lab/protocol';
import { startReplica, type ReplicaHandle } from '@cdn-lab/replica';
import { sharedDemoSite, tempDir } from './helpers.js';
import { connectBothEnds, floodWithoutReading } from './unread-peer.js';

const MiB = 1024 * 1024;

/** Each flood would be answered with this much if it were read whole. */
const FLOOD_ANSWER_BYTES = 8 * MiB;

/** An in-process replica in front of the demo site. */
async function replicaOfDemoSite(
  t: TestContext,
  defaultObject = '/objects/1k.bin',
): Promise<ReplicaHandle> {
  const site = await sharedDemoSite();
  const origin = await startOrigin({ root: site.dir, port: 0 });
  t.after(() => origin.close());
  const replica = await startReplica({ origin: origin.url, defaultObject, port: 0 });
  t.after(() => replica.close());
  return replica;
}

function* repeated(piece: Buffer, times: number): Generator<Buffer> {
  for (let i = 0; i < times; i += 1) yield piece;
}

/** `count` frames in one buffer, after the native preamble. */
function nativeFlood(frame: Buffer, count: number): Buffer {
  return Buffer.concat([encodePreamble(), ...repeated(frame, count)]);
}

describe('one peer that sends and never reads', { timeout: 60_000 }, () => {
  it('a replica stops reading pings whose pongs are not read, and answers them all later', async (t) => {
    const replica = await replicaOfDemoSite(t);
    const ends = await connectBothEnds(replica.endpoint.port);
    t.after(() => ends.client.destroy());
    const pongBytes = encodeMessage({ type: 'pong', seq: 1, load: replica.loadReport() }).length;
    const pings = Math.ceil(FLOOD_ANSWER_BYTES / pongBytes);
    const flood = await floodWithoutReading(ends, [
      nativeFlood(encodeMessage({ type: 'ping', seq: 1 }), pings),
    ]);
    assert.ok(
      flood.peakQueuedBytes <= 2 * MiB,
      `${flood.peakQueuedBytes} bytes of pongs queued for one peer`,
    );
    assert.equal(flood.ended, 'paused', 'the replica stopped reading');
    ends.server.uncork(); // the kernel takes answers again: the peer reads now
    const decoder = new FrameDecoder({ expectPreamble: false });
    let pongs = 0;
    ends.client.on('data', (chunk: Buffer) => {
      pongs += decoder.push(chunk).messages.filter((message) => message.type === 'pong').length;
    });
    while (pongs < pings) await once(ends.client, 'data');
    assert.equal(pongs, pings, 'once read, every ping was answered');
  });

  it('a replica stops reading legacy acknowledgements whose packets are not read', async (t) => {
    const replica = await replicaOfDemoSite(t, '/objects/10m.bin');
    const ends = await connectBothEnds(replica.endpoint.port);
    t.after(() => ends.client.destroy());
    const packet = (flags: number): Buffer =>
      encodeLegacyPacket({ seq: 12345, ack: 0, flags, payload: Buffer.alloc(0) });
    // One acknowledgement per answer, for the packets of 8 of the object's 10 MiB.
    const flood = await floodWithoutReading(
      ends,
      [packet(LegacyFlag.SYN), ...repeated(packet(LegacyFlag.ACK), FLOOD_ANSWER_BYTES / 512)],
      true,
    );
    assert.ok(
      flood.peakQueuedBytes <= 1 * MiB,
      `${flood.peakQueuedBytes} bytes of packets queued for one peer`,
    );
    assert.equal(flood.ended, 'paused', 'the replica stopped reading');
  });

  it('a balancer stops reading routes whose answers are not read', async (t) => {
    const replica = await replicaOfDemoSite(t);
    const serversFile = join(await tempDir(t), 'servers.txt');
    await writeFile(serversFile, `${replica.endpoint.id}\n`);
    const balancer = await startBalancer({ port: 0, serversFile, probeIntervalMs: 50 });
    t.after(() => balancer.close());
    while (balancer.snapshot()[0]?.state !== 'up') await once(balancer.events, 'replica-state');
    const ends = await connectBothEnds(balancer.endpoint.port);
    t.after(() => ends.client.destroy());
    const route = encodeMessage({ type: 'route', path: '/objects/1k.bin' });
    const answer = encodeMessage({
      type: 'route-ok',
      best: replica.endpoint,
      alternates: [],
      strategy: balancer.strategy,
      reason: 'owner by rendezvous hash (0 in flight, bound 2)',
    });
    const flood = await floodWithoutReading(ends, [
      nativeFlood(route, Math.ceil(FLOOD_ANSWER_BYTES / answer.length)),
    ]);
    assert.ok(
      flood.peakQueuedBytes <= 2 * MiB,
      `${flood.peakQueuedBytes} bytes of answers queued for one peer`,
    );
    assert.equal(flood.ended, 'paused', 'the balancer stopped reading');
  });
});
