import assert from 'node:assert/strict';
import { once } from 'node:events';
import { lookup } from 'node:dns/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterEach, describe, it } from 'node:test';
import {
  Discovery,
  UserError,
  endpointId,
  openEventLog,
  type DiscoveryOptions,
  type ReplicaSetChange,
} from '../src/index.js';
import { tempServersFile, type TempServersFile } from './temp-servers-file.js';

const silentLog = openEventLog('balancer', undefined).log;
const running: Discovery[] = [];
const files: TempServersFile[] = [];

function discovery(options: Partial<DiscoveryOptions> & { serversFile: string }): Discovery {
  const instance = new Discovery({
    defaultPort: 7000,
    reloadIntervalMs: 20,
    log: silentLog,
    ...options,
  });
  running.push(instance);
  return instance;
}

async function serversFile(lines: string[]): Promise<TempServersFile> {
  const file = await tempServersFile(lines);
  files.push(file);
  return file;
}

afterEach(async () => {
  for (const instance of running.splice(0)) instance.stop();
  for (const file of files.splice(0)) await file.remove();
});

const idsOf = (d: Discovery): string[] => d.replicas.map((replica) => replica.id).sort();

describe('discovery', () => {
  it('loads good lines and reports each bad one by line number', async () => {
    const file = await serversFile([
      '# the replicas',
      '',
      '127.0.0.1:7001',
      '   127.0.0.2   # no port: the balancer port',
      '[::1]:7003',
      'bad:host:name',
      'two words',
      '127.0.0.3:99999',
    ]);
    const said: string[] = [];
    const d = discovery({ serversFile: file.file, say: (line) => said.push(line) });
    await d.start();
    assert.deepEqual(idsOf(d), ['127.0.0.1:7001', '127.0.0.2:7000', '[::1]:7003'].sort());
    for (const line of [6, 7, 8]) {
      assert.ok(
        said.some((text) => text.includes(`line ${line}:`)),
        `line ${line} is reported`,
      );
    }
    assert.equal(said.length, 3);
  });

  it('reports a bad line once, not on every reload', async () => {
    const file = await serversFile(['127.0.0.1:7001', 'nope:port']);
    const said: string[] = [];
    const d = discovery({ serversFile: file.file, say: (line) => said.push(line) });
    await d.start();
    await d.reload();
    await d.reload();
    assert.equal(said.filter((line) => line.includes('line 2')).length, 1);
  });

  it('expands localhost through DNS', async () => {
    const file = await serversFile(['localhost:7005']);
    const d = discovery({ serversFile: file.file });
    await d.start();
    const expected = (await lookup('localhost', { all: true })).map((a) =>
      endpointId(a.address, 7005),
    );
    assert.deepEqual(idsOf(d), [...new Set(expected)].sort());
    assert.ok(idsOf(d).includes('127.0.0.1:7005'));
    assert.ok(d.replicas.every((replica) => replica.name === 'localhost'));
  });

  it('gives every address of a name its own replica and follows DNS changes', async () => {
    let addresses = ['127.0.0.11', '127.0.0.12', '::1'];
    const file = await serversFile(['replica.lab:7000']);
    const d = discovery({ serversFile: file.file, resolve: async () => addresses });
    await d.start();
    assert.deepEqual(idsOf(d), ['127.0.0.11:7000', '127.0.0.12:7000', '[::1]:7000'].sort());
    addresses = ['127.0.0.12', '127.0.0.13'];
    const [change] = await once(d, 'replicas');
    assert.deepEqual(
      change.added.map((r: { id: string }) => r.id),
      ['127.0.0.13:7000'],
    );
    assert.deepEqual(
      change.removed.map((r: { id: string }) => r.id).sort(),
      ['127.0.0.11:7000', '[::1]:7000'].sort(),
    );
  });

  it('picks up a line appended while running, and drops a removed one', async () => {
    const file = await serversFile(['127.0.0.1:7001']);
    const d = discovery({ serversFile: file.file });
    await d.start();
    const added = once(d, 'replicas');
    await file.append('127.0.0.1:7002');
    const [change] = await added;
    assert.deepEqual(
      change.added.map((r: { id: string }) => r.id),
      ['127.0.0.1:7002'],
    );
    assert.deepEqual(idsOf(d), ['127.0.0.1:7001', '127.0.0.1:7002']);
    const removed = once(d, 'replicas');
    await file.write(['127.0.0.1:7002']);
    const [second] = await removed;
    assert.deepEqual(
      second.removed.map((r: { id: string }) => r.id),
      ['127.0.0.1:7001'],
    );
    assert.deepEqual(idsOf(d), ['127.0.0.1:7002']);
  });

  it('keeps the replicas through one empty read (a rewrite caught half-way); a second one empties the set', async () => {
    const lines = ['127.0.0.1:7001', '127.0.0.1:7002'];
    const file = await serversFile(lines);
    const said: string[] = [];
    // Reloads only when the test asks, so each read sees exactly what the test wrote.
    const d = discovery({
      serversFile: file.file,
      reloadIntervalMs: 3_600_000,
      say: (line) => said.push(line),
    });
    await d.start();
    const changes: ReplicaSetChange[] = [];
    d.on('replicas', (change) => changes.push(change));

    await file.write([]); // truncated, not written yet
    await d.reload();
    assert.deepEqual(idsOf(d), lines);
    assert.ok(said.some((line) => /lists no replica on this read; keeping the 2/.test(line)));
    await file.write(lines);
    await d.reload();
    assert.equal(changes.length, 0, 'the set never changed');

    await file.write(['# emptied on purpose']);
    await d.reload();
    assert.deepEqual(idsOf(d), lines);
    await d.reload();
    assert.deepEqual(idsOf(d), []);
    assert.deepEqual(changes[0]?.removed.map((replica) => replica.id).sort(), lines);
    assert.ok(said.some((line) => /lists no replica again: removing all 2/.test(line)));
  });

  it('logs a name that does not resolve and loads the rest', async () => {
    const file = await serversFile(['ghost.invalid:7000', '127.0.0.1:7001']);
    const said: string[] = [];
    const d = discovery({
      serversFile: file.file,
      say: (line) => said.push(line),
      resolve: async (name) => {
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
      },
    });
    await d.start();
    assert.deepEqual(idsOf(d), ['127.0.0.1:7001']);
    assert.ok(said.some((line) => line.includes('ghost.invalid') && line.includes('ENOTFOUND')));
  });

  it('refuses to start without a servers file, naming it', async () => {
    const missing = join(tmpdir(), `cdn-no-such-dir-${process.pid}`, 'servers.txt');
    const d = discovery({ serversFile: missing });
    await assert.rejects(d.start(), (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.equal(
        error.message,
        `servers file ${missing} not found; create it with one replica address a line`,
      );
      return true;
    });
  });

  it('starts with an empty file, warns, and adds replicas later', async () => {
    const file = await serversFile(['# nothing yet']);
    const said: string[] = [];
    const d = discovery({ serversFile: file.file, say: (line) => said.push(line) });
    assert.deepEqual(await d.start(), []);
    assert.ok(said.some((line) => line.includes('lists no replica')));
    const added = once(d, 'replicas');
    await file.append('127.0.0.1:7009');
    await added;
    assert.deepEqual(idsOf(d), ['127.0.0.1:7009']);
  });
});
