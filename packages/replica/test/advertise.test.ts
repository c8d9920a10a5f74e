import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { UserError } from '@cdn-lab/common';
import { REPLICA_DEFAULTS, resolveReplicaOptions, startReplica } from '../src/index.js';
import { setup } from './harness.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const ORIGIN = 'http://127.0.0.1:8080';

describe('the advertised address (--advertise)', { timeout: 20_000 }, () => {
  it('is none by default, and a pong then says nothing about it', async (t) => {
    assert.equal(REPLICA_DEFAULTS.advertise, null);
    assert.equal(resolveReplicaOptions({ origin: ORIGIN }).advertise, null);
    const { client } = await setup(t, { defaultObject: null });
    assert.equal((await (await client()).ping()).load.advertised, undefined);
  });

  it('is said in every pong, and changes neither the id nor servedBy', async (t) => {
    const { replica, client } = await setup(t, {
      defaultObject: null,
      advertise: '203.0.113.7:9100',
    });
    const c = await client();
    assert.deepEqual((await c.ping(1)).load.advertised, { host: '203.0.113.7', port: 9100 });
    assert.deepEqual((await c.ping(2)).load.advertised, { host: '203.0.113.7', port: 9100 });
    assert.equal(replica.endpoint.host, '127.0.0.1');
    assert.equal(replica.status().load.advertised?.port, 9100, '/status shows it too');
  });

  it('reads IPv6 in brackets and host names', () => {
    const read = (advertise: string) => resolveReplicaOptions({ origin: ORIGIN, advertise });
    assert.deepEqual(read('[::1]:9100').advertise, { host: '::1', port: 9100 });
    assert.deepEqual(read('node-1.example:9100').advertise, {
      host: 'node-1.example',
      port: 9100,
    });
  });

  it('refuses anything but HOST:PORT, naming the flag', () => {
    const cases: [string, RegExp][] = [
      ['203.0.113.7', /the port is missing/],
      ['203.0.113.7:0', /not a port/],
      ['203.0.113.7:70000', /not a port/],
      ['::1:9100', /the port is missing.*\[2001:db8::7\]:9100/],
      ['fe80::1:2:9100', /the port is missing/],
      ['[::1]', /the port is missing/],
      ['a b:9100', /not an address/],
      ['', /not an address/],
      ['host#x:9100', /not an address/],
    ];
    for (const [advertise, reason] of cases) {
      assert.throws(
        () => resolveReplicaOptions({ origin: ORIGIN, advertise }),
        (error: unknown) =>
          error instanceof UserError &&
          error.exitCode === 2 &&
          error.message.startsWith(`--advertise "${advertise}": `) &&
          reason.test(error.message),
        advertise,
      );
    }
  });

  it('a bad one is one line on stderr and exit code 2, before anything starts', async () => {
    const child = spawn(
      process.execPath,
      [CLI, '-p', '0', '--origin', ORIGIN, '--advertise', '203.0.113.7'],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CDN_ADVERTISE: '' } },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 2);
    assert.match(stderr, /^cdn-replica: --advertise "203\.0\.113\.7": the port is missing/);
    assert.equal(stderr.trim().split('\n').length, 1);
  });

  it('comes from CDN_ADVERTISE too', async () => {
    const child = spawn(process.execPath, [CLI, '-p', '0', '--origin', ORIGIN], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, CDN_ADVERTISE: 'no-port-here' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 2);
    assert.match(stderr, /--advertise "no-port-here": the port is missing/);
  });

  it('is in --help with its variable', async () => {
    const child = spawn(process.execPath, [CLI, '--help'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await once(child, 'exit');
    assert.match(stdout, /--advertise <host:port>[\s\S]*CDN_ADVERTISE/);
  });

  it('starts nothing with a bad one given in code', async () => {
    await assert.rejects(
      startReplica({ origin: ORIGIN, port: 0, advertise: { host: 'a b', port: 1 } }),
      UserError,
    );
  });
});
