import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  deadEndpoint,
  makeBody,
  routeTo,
  sha256,
  startFakeBalancer,
  startFakeReplica,
  type FakeBalancer,
  type FakeReplica,
} from './fakes.js';
import { makeTempDir, readEvents, type TempDir } from './temp.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

function runCli(args: string[], cwd: string, extraEnv: Record<string, string> = {}): Promise<Run> {
  // The user's own CDN_* settings must not leak into the test.
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CDN_'))),
    ...extraEnv,
  };
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env });
  const stdout: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(stdout), stderr }));
  });
}

/** A bar would show as block characters, escape sequences or carriage returns. */
function assertNoProgressBar(output: string): void {
  for (const sign of ['█', '░', '\u001b', '\r', 'ETA']) {
    assert.ok(
      !output.includes(sign),
      `no progress output expected, found ${JSON.stringify(sign)}:\n${output}`,
    );
  }
}

function assertNoStackTrace(stderr: string): void {
  assert.doesNotMatch(stderr, /^\s+at /m, `no stack trace expected:\n${stderr}`);
}

describe('cdn-client CLI', () => {
  const page = makeBody(40_000, 3);
  const object = makeBody(150_000, 4);
  let replica: FakeReplica;
  let balancer: FakeBalancer;
  let dir: TempDir;
  let flags: string[];

  before(async () => {
    dir = await makeTempDir();
    replica = await startFakeReplica([
      { path: '/index.html', body: page, etag: '"p"' },
      { path: '/objects/big.bin', body: object, etag: '"o"' },
    ]);
    balancer = await startFakeBalancer(() => routeTo(replica.endpoint));
    flags = ['-s', balancer.address.host, '-p', String(balancer.address.port)];
  });
  after(async () => {
    await Promise.all([replica.close(), balancer.close()]);
    await dir.remove();
  });

  it('rejects an unknown flag with a short message and no stack trace', async () => {
    const run = await runCli(['--bogus'], dir.path);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr.split('\n')[0] ?? '', /cdn-client: unknown option '--bogus'/);
    assertNoStackTrace(run.stderr);
  });

  it('rejects a path that does not start with "/"', async () => {
    const run = await runCli([...flags, '--path', 'objects/big.bin'], dir.path);
    assert.notEqual(run.code, 0);
    assert.equal(run.stderr.trim().split('\n').length, 1);
    assert.match(run.stderr, /--path must start with "\/"/);
  });

  it('refuses an unknown --region in one line naming the regions, and CDN_REGION too', async () => {
    const asked = balancer.routes.length;
    for (const run of [
      await runCli([...flags, '--region', 'mars'], dir.path),
      await runCli(flags, dir.path, { CDN_REGION: 'mars' }),
    ]) {
      assert.equal(run.code, 2);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.match(
        run.stderr,
        /--region mars: no such region in .*three-regions\.yml \(its regions: eu, us, ap\)/,
      );
      assertNoStackTrace(run.stderr);
    }
    assert.equal(balancer.routes.length, asked, 'nothing was asked');
  });

  it('fetches as a client in a region with --region, from its loopback addresses', async () => {
    const run = await runCli([...flags, '--region', 'ap', '-o', '-'], dir.path);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stdout, page);
    assert.equal(balancer.hints.at(-1), 'ap');
    assert.match(replica.sources.at(-1) ?? '', /^127\.3\.200\.\d+$/);
  });

  it('downloads to -o FILE, verified, with one line on stderr', async () => {
    const logFile = dir.file('client.log');
    const run = await runCli(
      [...flags, '--path', '/objects/big.bin', '-o', 'saved.bin', '-l', logFile],
      dir.path,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await readFile(dir.file('saved.bin')), object);
    assert.equal(run.stderr.trim().split('\n').length, 1);
    assert.match(run.stderr, /saved saved\.bin: .*sha256 ok .*served by 127\.0\.0\.1:\d+/);
    const events = (await readEvents(logFile)).map((event) => event['event']);
    assert.deepEqual(events, ['route', 'fetch-start', 'verified']);
  });

  it('saves the default object as website.html when no path is given', async () => {
    const run = await runCli(flags, dir.path);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await readFile(dir.file('website.html')), page);
  });

  it('writes the object to stdout with -o -', async () => {
    const run = await runCli([...flags, '--path', '/objects/big.bin', '-o', '-'], dir.path);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(sha256(run.stdout), sha256(object));
  });

  it('exits 1 with one line naming the cause when the balancer is down', async () => {
    const dead = await deadEndpoint();
    const run = await runCli(
      ['-s', dead.host, '-p', String(dead.port), '--retries', '1'],
      dir.path,
    );
    assert.equal(run.code, 1);
    assert.equal(run.stderr.trim().split('\n').length, 1);
    assert.match(run.stderr, /balancer 127\.0\.0\.1:\d+ is not reachable: connection refused/);
    assertNoStackTrace(run.stderr);
  });

  it('exits 1 on a missing object, without leaving a file', async () => {
    const run = await runCli([...flags, '--path', '/missing.txt'], dir.path);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /\/missing\.txt was not found/);
    assert.ok(!(await dir.list()).some((name) => name.startsWith('missing.txt')));
  });

  it('runs a load from a paths file and prints the report as JSON', async () => {
    await writeFile(dir.file('paths.txt'), '# demo\n/index.html\n\n/objects/big.bin\n');
    const run = await runCli(
      [...flags, '--paths', 'paths.txt', '--requests', '6', '--concurrency', '2', '--json'],
      dir.path,
    );
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout.toString()) as Record<string, unknown>;
    assert.equal(report['requests'], 6);
    assert.equal(report['ok'], 6);
    assert.equal(report['bytes'], 3 * page.length + 3 * object.length);
    assert.deepEqual(report['perReplica'], { [replica.endpoint.id]: 6 });
  });

  it('draws no progress bar when stderr is not a terminal', async () => {
    const download = await runCli(
      [...flags, '--path', '/objects/big.bin', '-o', 'nobar.bin'],
      dir.path,
    );
    const load = await runCli(
      [...flags, '--path', '/objects/big.bin', '--requests', '4'],
      dir.path,
    );
    for (const run of [download, load]) {
      assert.equal(run.code, 0, run.stderr);
      assertNoProgressBar(run.stderr);
      assertNoProgressBar(run.stdout.toString());
    }
    assert.equal(download.stderr.trim().split('\n').length, 1);
    assert.match(load.stdout.toString(), /^requests +4 \(4 ok, 0 failed\)$/m);
  });

  it('accepts --quiet and CDN_CLIENT_QUIET', async () => {
    const flag = await runCli(
      [...flags, '--path', '/objects/big.bin', '-o', '-', '--quiet'],
      dir.path,
    );
    assert.equal(flag.code, 0, flag.stderr);
    assert.equal(sha256(flag.stdout), sha256(object));
    const env = await runCli([...flags, '--path', '/objects/big.bin', '-o', '-'], dir.path, {
      CDN_CLIENT_QUIET: '1',
    });
    assert.equal(env.code, 0, env.stderr);
    assertNoProgressBar(env.stderr);
  });

  it('exits 1 from load mode when a request failed, still printing the report', async () => {
    const run = await runCli([...flags, '--path', '/missing.txt', '--requests', '2'], dir.path);
    assert.equal(run.code, 1);
    assert.match(run.stdout.toString(), /2 \(0 ok, 2 failed\)/);
    assert.match(run.stderr, /2 of 2 requests failed \(not_found ×2\)/);
  });
});
