import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message } from '@cdn-lab/protocol';
import { setup } from './harness.js';
import { assertFetched } from './test-client.js';
import { bytesOf, gate } from './test-origin.js';

describe('collapsed forwarding and streaming', { timeout: 20_000 }, () => {
  it('20 concurrent first requests for one object make exactly 1 origin request', async (t) => {
    const { origin, replica, client } = await setup(t);
    const bytes = bytesOf(1_500_000, 7);
    const release = gate();
    // The origin holds the body until all 20 requests reached the replica, so they overlap.
    origin.put('/hot.bin', bytes, { holdAfter: 1000, release: release.promise });
    const clients = await Promise.all(Array.from({ length: 20 }, () => client()));
    let requests = 0;
    const allAsked = new Promise<void>((resolve) =>
      replica.events.on('request', () => {
        requests += 1;
        if (requests === 20) resolve();
      }),
    );
    const downloads = clients.map((c) => c.fetch('/hot.bin'));
    await allAsked;
    release.open();
    const results = await Promise.all(downloads);
    for (const result of results) {
      assertFetched(result, bytes);
      assert.equal(result.object.cache, 'miss');
    }
    assert.equal(origin.requestsFor('/hot.bin').length, 1, 'one origin request');
  });

  it('sends the first bytes before the origin has sent the whole object', async (t) => {
    const { origin, client } = await setup(t);
    const bytes = bytesOf(4 * 1024 * 1024, 9);
    const release = gate();
    origin.put('/big.bin', bytes, { holdAfter: 1024 * 1024, release: release.promise });
    let originDone = false;
    origin.on('body-sent', () => (originDone = true));
    const c = await client();
    const firstData = new Promise<Message>((resolve) =>
      c.on('message', (message: Message) => message.type === 'data' && resolve(message)),
    );
    const objectFrame = new Promise<Message>((resolve) =>
      c.on('message', (message: Message) => message.type === 'object' && resolve(message)),
    );
    const download = c.fetch('/big.bin');
    const first = await firstData;
    assert.equal(originDone, false, 'the origin is still holding the rest back');
    assert.ok(first.type === 'data' && first.bytes.equals(bytes.subarray(0, first.bytes.length)));
    const announced = await objectFrame;
    assert.ok(announced.type === 'object' && announced.sha256 === null, 'no digest while filling');
    assert.ok(
      announced.type === 'object' && announced.size === bytes.length,
      'size from Content-Length',
    );
    release.open();
    assertFetched(await download, bytes);
  });

  it('a reader joining a fill in progress at an offset gets exactly its bytes', async (t) => {
    const { origin, client } = await setup(t);
    const bytes = bytesOf(2 * 1024 * 1024, 11);
    const release = gate();
    origin.put('/join.bin', bytes, { holdAfter: 512 * 1024, release: release.promise });
    const first = await client();
    const second = await client();
    const firstData = new Promise<void>((resolve) =>
      first.on('message', (message: Message) => message.type === 'data' && resolve()),
    );
    const a = first.fetch('/join.bin');
    await firstData;
    const offset = 1024 * 1024 + 17;
    const secondObject = new Promise<void>((resolve) =>
      second.on('message', (message: Message) => message.type === 'object' && resolve()),
    );
    const b = second.fetch('/join.bin', offset);
    await secondObject;
    release.open();
    assertFetched(await a, bytes);
    assertFetched(await b, bytes, offset);
    assert.equal(origin.requestsFor('/join.bin').length, 1);
  });
});
