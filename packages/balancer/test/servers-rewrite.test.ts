import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { startBalancer, type ReplicaSetChange } from '../src/index.js';
import { routeOnce } from './admin-helpers.js';
import { FakeReplica } from './fake-replica.js';
import { RouteClient, tempServersFile, waitForState } from './helpers.js';

/** Answers by kind while a loop keeps routing over one connection and over HTTP. */
interface Tally {
  native: Map<string, number>;
  http: Map<number, number>;
}

function count<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

describe('servers.txt rewritten in place', { timeout: 20_000 }, () => {
  it('a read that lands between the truncate and the write drops no replica: no no_replica, no 503', async (t) => {
    const [a, b, c] = await Promise.all([
      FakeReplica.start(),
      FakeReplica.start(),
      FakeReplica.start(),
    ]);
    assert.ok(a && b && c);
    t.after(() => Promise.all([a.stop(), b.stop(), c.stop()]));
    const file = await tempServersFile([a.id, b.id]);
    t.after(() => file.remove());
    const said: string[] = [];
    const held: { resolve: () => void } = { resolve: () => undefined };
    const emptyReadHeld = new Promise<void>((resolve) => (held.resolve = resolve));
    const balancer = await startBalancer({
      port: 0,
      serversFile: file.file,
      probeIntervalMs: 20,
      reloadIntervalMs: 50,
      say: (line) => {
        said.push(line);
        if (/lists no replica on this read/.test(line)) held.resolve();
      },
    });
    t.after(() => balancer.close());
    await Promise.all([a, b].map((replica) => waitForState(balancer, replica.id, 'up')));

    const tally: Tally = { native: new Map(), http: new Map() };
    let routing = true;
    const client = await RouteClient.open(balancer.endpoint);
    t.after(() => client.close());
    const nativeLoop = (async () => {
      while (routing) count(tally.native, (await routeOnce(client, '/x')).type);
    })();
    const httpLoop = (async () => {
      const url = `http://${balancer.endpoint.id}/x`;
      while (routing) count(tally.http, (await fetch(url, { redirect: 'manual' })).status);
    })();

    const emptied = new Promise<ReplicaSetChange>((resolve) => {
      balancer.events.on('replicas', (change) => {
        if (change.removed.length > 0) resolve(change);
      });
    });
    const cAdded = new Promise<void>((resolve) => {
      balancer.events.on('replicas', (change) => {
        if (change.added.some((replica) => replica.id === c.id)) resolve();
      });
    });
    // `echo … > servers.txt`: the shell truncates the file, then the command writes it.
    await writeFile(file.file, '');
    await Promise.race([emptyReadHeld, emptied]);
    const routedBeforeTheWrite = total(tally);
    // The write lands before the next read (no await in between); it also adds c, so the test
    // knows when that next read has happened.
    writeFileSync(file.file, `${a.id}\n${b.id}\n${c.id}\n`);
    await cAdded;
    await waitForState(balancer, c.id, 'up');
    routing = false;
    await Promise.all([nativeLoop, httpLoop]);

    assert.ok(total(tally) > routedBeforeTheWrite, 'routes were asked while the file was empty');
    assert.deepEqual([...tally.native.keys()], ['route-ok'], JSON.stringify([...tally.native]));
    assert.deepEqual([...tally.http.keys()], [302], JSON.stringify([...tally.http]));
    assert.ok(said.some((line) => /keeping the 2 known until the next read agrees/.test(line)));
  });
});

function total(tally: Tally): number {
  let sum = 0;
  for (const counts of [tally.native, tally.http]) for (const n of counts.values()) sum += n;
  return sum;
}
