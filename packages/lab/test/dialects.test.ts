import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { startBalancer, type BalancerHandle } from '@cdn-lab/balancer';
import { startOrigin } from '@cdn-lab/origin';
import { spawnRole } from '../src/role-process.js';
import { sha256OfFile, sharedDemoSite, tempDir } from './helpers.js';
import { legacyFetch } from './legacy-client.js';

const run = promisify(execFile);
const NETWORK = '127.0.7';

async function curl(...args: string[]): Promise<string> {
  const { stdout } = await run('curl', ['-sS', '--max-time', '20', ...args], {
    encoding: 'utf8',
    maxBuffer: 8 * 1024 * 1024,
  });
  return stdout;
}

interface Lab {
  balancer: BalancerHandle;
  base: string;
  siteDir: string;
  dir: string;
}

/**
 * The demo site behind an origin, two replica processes on 127.0.7.1-2 at the balancer's own
 * port (so the original client can follow the balancer's answer), and an in-process balancer.
 */
async function lab(t: TestContext): Promise<Lab> {
  const dir = await tempDir(t);
  const site = await sharedDemoSite();
  const origin = await startOrigin({ root: site.dir, port: 0 });
  t.after(() => origin.close());
  const hosts = [`${NETWORK}.1`, `${NETWORK}.2`];
  const serversFile = join(dir, 'servers.txt');
  await writeFile(serversFile, `${hosts.join('\n')}\n`);
  const balancer = await startBalancer({ port: 0, serversFile, probeIntervalMs: 50 });
  t.after(() => balancer.close());
  const port = String(balancer.endpoint.port);
  const replicas = await Promise.all(
    hosts.map((host, i) =>
      spawnRole('replica', `replica-${i + 1}`, [
        ...['--host', host, '-p', port, '--origin', origin.url, '-w', '/index.html'],
      ]),
    ),
  );
  t.after(() => Promise.all(replicas.map((replica) => replica.stop('SIGKILL'))));
  while (balancer.snapshot().filter((view) => view.state === 'up').length < hosts.length) {
    await once(balancer.events, 'replica-state');
  }
  return { balancer, base: `http://127.0.0.1:${port}`, siteDir: site.dir, dir };
}

describe(
  'curl, Node http and the original client against a real balancer and replicas',
  {
    timeout: 60_000,
  },
  () => {
    it('curl follows the redirect and gets the origin bytes; HEAD, Range, 304, 404, JSON', async (t) => {
      const { base, siteDir, dir } = await lab(t);
      const out = join(dir, '1m.bin');
      await curl('-L', '-o', out, `${base}/objects/1m.bin`);
      assert.equal(
        await sha256OfFile(out),
        await sha256OfFile(join(siteDir, 'objects/1m.bin')),
        'curl -L gets exactly the origin file',
      );

      const head = await curl('-I', '-L', `${base}/objects/1m.bin`);
      assert.match(head, /^HTTP\/1\.1 302 Found\r\n/);
      assert.match(head, /\r\nHTTP\/1\.1 200 OK\r\n/);
      assert.match(head, /\r\ncontent-length: 1048576\r\n/i);
      const location = /\r\nlocation: (\S+)\r\n/i.exec(head)?.[1] ?? '';
      assert.match(location, /^http:\/\/127\.0\.7\.[12]:\d+\/objects\/1m\.bin$/);
      assert.match(head, /\r\nx-served-by: 127\.0\.7\.[12]:\d+\r\n/i);
      const etag = /\r\netag: (\S+)\r\n/i.exec(head)?.[1] ?? '';
      assert.notEqual(etag, '');

      const origin = await readFile(join(siteDir, 'objects/1m.bin'));
      const range = join(dir, 'range.bin');
      const rangeHead = await curl('-L', '-r', '1000-1999', '-D', '-', '-o', range, location);
      assert.match(rangeHead, /^HTTP\/1\.1 206 /);
      assert.match(rangeHead, /\r\ncontent-range: bytes 1000-1999\/1048576\r\n/i);
      assert.deepEqual(await readFile(range), origin.subarray(1000, 2000));

      const unchanged = await curl(
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '-H',
        `If-None-Match: ${etag}`,
        location,
      );
      assert.equal(unchanged, '304');
      const missing = await curl(
        '-L',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        `${base}/no/such.bin`,
      );
      assert.equal(missing, '404');

      const json = JSON.parse(
        await curl('-H', 'Accept: application/json', `${base}/index.html`),
      ) as Record<string, unknown>;
      assert.match(String(json['location']), /^http:\/\/127\.0\.7\.[12]:\d+\/index\.html$/);
      assert.equal((json['alternates'] as unknown[]).length, 1);
      assert.equal(typeof json['strategy'], 'string');
    });

    it('curl gets 503 and Retry-After from a balancer with no healthy replica', async (t) => {
      const dir = await tempDir(t);
      const serversFile = join(dir, 'servers.txt');
      await writeFile(serversFile, '');
      const balancer = await startBalancer({ port: 0, serversFile });
      t.after(() => balancer.close());
      const answer = await curl('-i', `http://127.0.0.1:${balancer.endpoint.port}/index.html`);
      assert.match(answer, /^HTTP\/1\.1 503 /);
      assert.match(answer, /\r\nretry-after: 1\r\n/i);
    });

    it('the original client, by legacy-wire.md, gets the default object byte for byte', async (t) => {
      const { balancer, siteDir } = await lab(t);
      const routes: string[] = [];
      balancer.events.on('route', (event) => routes.push(event.dialect));
      const fetched = await legacyFetch('127.0.0.1', balancer.endpoint.port);
      const page = await readFile(join(siteDir, 'index.html'));
      assert.match(fetched.replica, /^127\.0\.7\.[12]$/);
      assert.deepEqual(fetched.bytes, page);
      assert.equal(fetched.packets.length, Math.max(1, Math.ceil(page.length / 512)));
      assert.deepEqual(routes, ['legacy']);
    });
  },
);
