import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setup } from './harness.js';
import { RawHttpConnection, httpGet } from './http-helpers.js';
import { bytesOf } from './test-origin.js';

const REQUESTS = 12;

/** Half plain keep-alive GETs (the fast path), half through Node's parser (Connection: close). */
async function askMany(port: number): Promise<void> {
  const connection = await RawHttpConnection.open(port);
  try {
    for (let index = 0; index < REQUESTS / 2; index += 1) {
      connection.send('GET /g.bin HTTP/1.1\r\nHost: t\r\n\r\n');
      await connection.next();
      await httpGet(port, '/g.bin');
    }
  } finally {
    connection.close();
  }
}

describe('request lines in the replica log', { timeout: 20_000 }, () => {
  it('writes at most --log-requests lines a second and counts every request left out', async (t) => {
    const { origin, replica, logEvents } = await setup(t, { logRequests: '2' });
    origin.put('/g.bin', bytesOf(500, 1));
    await askMany(replica.endpoint.port);
    await replica.close();
    const events = await logEvents();
    const requests = events.filter((event) => event.event === 'request').length;
    const done = events.filter((event) => event.event === 'transfer-done').length;
    const counted = events
      .filter((event) => event.event === 'requests-not-logged')
      .reduce((sum, event) => sum + Number(event.requests), 0);
    assert.ok(requests >= 2 && requests < REQUESTS, `${requests} request lines`);
    assert.equal(done, requests, 'a logged request has both its lines');
    assert.equal(requests + counted, REQUESTS, 'every request is logged or counted');
    assert.ok(
      events.some((event) => event.event === 'cached'),
      'state changes are always logged',
    );
  });

  it('writes none with off, and every one with all', async (t) => {
    const quiet = await setup(t, { logRequests: 'off' });
    quiet.origin.put('/g.bin', bytesOf(500, 1));
    await askMany(quiet.replica.endpoint.port);
    const quietEvents = await quiet.logEvents();
    assert.equal(quietEvents.filter((event) => event.event === 'request').length, 0);
    assert.ok(quietEvents.some((event) => event.event === 'cached'));

    const chatty = await setup(t, { logRequests: 'all' });
    chatty.origin.put('/g.bin', bytesOf(500, 1));
    await askMany(chatty.replica.endpoint.port);
    const chattyEvents = await chatty.logEvents();
    assert.equal(chattyEvents.filter((event) => event.event === 'request').length, REQUESTS);
    assert.equal(chattyEvents.filter((event) => event.event === 'transfer-done').length, REQUESTS);
  });
});
