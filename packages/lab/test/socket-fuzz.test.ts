import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { runLoad } from '@cdn-lab/client';
import { encodePreamble } from '@cdn-lab/protocol';
import { startCluster } from './helpers.js';

const CLOSE_WITHIN_MS = 5_000;

/** Writes bytes, half-closes, and resolves once the server has closed the connection. */
async function sendAndClose(host: string, port: number, bytes: Buffer): Promise<void> {
  const socket = connect(port, host);
  socket.on('error', () => undefined);
  socket.resume(); // whatever the server answers is read and dropped
  await once(socket, 'connect');
  socket.end(bytes);
  const timer = setTimeout(() => socket.destroy(new Error('still open')), CLOSE_WITHIN_MS);
  const [hadError] = (await once(socket, 'close')) as [boolean];
  clearTimeout(timer);
  assert.ok(!hadError || !socket.errored?.message.includes('still open'), 'the server closed it');
}

/** Random bytes, sometimes behind a valid start, so every dialect's parser gets garbage. */
const garbage = fc
  .tuple(
    fc.constantFrom(
      Buffer.alloc(0),
      encodePreamble(),
      Buffer.from('GET /'),
      Buffer.from('GET / HTTP/1.1\r\n'),
      Buffer.from([0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2]),
    ),
    fc.uint8Array({ minLength: 1, maxLength: 3000 }),
  )
  .map(([start, rest]) => Buffer.concat([start, rest]));

describe('socket-level fuzz', () => {
  it('random bytes to a running replica and balancer leave both serving normal requests', async (t) => {
    const { replicas, ids, balancer } = await startCluster(t, { count: 2, network: '127.0.12' });
    const replica = replicas[0];
    assert.ok(replica);
    const targets = [
      { host: replica.ready.host, port: replica.ready.port },
      { host: balancer.endpoint.host, port: balancer.endpoint.port },
    ];
    await fc.assert(
      fc.asyncProperty(garbage, fc.boolean(), async (bytes, toBalancer) => {
        const target = toBalancer ? targets[1] : targets[0];
        assert.ok(target);
        await sendAndClose(target.host, target.port, bytes);
      }),
      { numRuns: 60 },
    );
    for (const role of replicas) assert.equal(role.child.exitCode, null, 'replica still running');
    assert.equal(
      balancer.snapshot().filter((r) => r.state === 'up').length,
      ids.length,
      'every replica still up',
    );
    const report = await runLoad({
      balancer: balancer.endpoint,
      paths: ['/objects/100k.bin', '/index.html'],
      requests: 10,
      concurrency: 4,
    });
    assert.equal(report.failed, 0, JSON.stringify(report.errorsByCode));
    assert.equal(report.ok, 10);
  });
});
