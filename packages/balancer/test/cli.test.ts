import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, it } from 'node:test';
import { DEFAULT_TOPOLOGY_FILE } from '@cdn-lab/common';
import { FakeReplica } from './fake-replica.js';
import { RouteClient, tempServersFile, type TempServersFile } from './helpers.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli.js');
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The tests' own settings only: nothing from the developer's CDN_* environment. */
function withoutCdnVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('CDN_')));
}

interface Run {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<number | null>;
}

function run(args: string[], cwd: string, env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...withoutCdnVariables(process.env), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exit;
  });
  return { child, stderr: () => stderr, exit };
}

/** Resolves with the first stderr text matching `pattern`. */
function waitForStderr(runResult: Run, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const match = runResult.stderr().match(pattern);
      if (match) {
        runResult.child.stderr?.off('data', check);
        resolve(match);
      }
    };
    runResult.child.stderr?.on('data', check);
    runResult.exit.then(() => reject(new Error(`exited first:\n${runResult.stderr()}`)), reject);
    check();
  });
}

async function scratch(lines: string[]): Promise<TempServersFile> {
  const file = await tempServersFile(lines);
  cleanups.push(() => file.remove());
  return file;
}

describe('cdn-balancer command', () => {
  it('says in one line that the default servers file is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cdn-balancer-cli-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const result = run(['-p', '0'], dir);
    assert.equal(await result.exit, 1);
    assert.equal(
      result.stderr(),
      'cdn-balancer: servers file ./servers.txt not found; create it with one replica address a line\n',
    );
  });

  it('rejects an unknown strategy, listing the known ones', async () => {
    const file = await scratch(['127.0.0.1:1']);
    const result = run(['-s', file.file, '--strategy', 'fastest'], dirname(file.file));
    assert.equal(await result.exit, 2);
    assert.match(result.stderr(), /round-robin, least-loaded, p2c-ewma, consistent, seed/);
  });

  it('refuses --strategy nearest without a topology in one line', { timeout: 10_000 }, async () => {
    const file = await scratch(['127.0.0.1:1']);
    const result = run(['-s', file.file, '-p', '0', '--strategy', 'nearest'], dirname(file.file));
    assert.equal(await result.exit, 1);
    assert.equal(
      result.stderr(),
      'cdn-balancer: the nearest strategy routes by region and needs a topology: give --topology FILE\n',
    );
  });

  it(
    'routes nearest with --topology, and says where the regions come from',
    { timeout: 10_000 },
    async () => {
      const replica = await FakeReplica.start('127.1.0.1', 0, 'eu');
      cleanups.push(() => replica.stop());
      const file = await scratch([replica.id]);
      const logFile = join(dirname(file.file), 'balancer.jsonl');
      const result = run(
        ['-s', file.file, '-p', '0', '-l', logFile, '--probe-interval', '20ms'],
        dirname(file.file),
        { CDN_TOPOLOGY: DEFAULT_TOPOLOGY_FILE, CDN_DEFAULT_REGION: 'us' },
      );
      await waitForStderr(result, /strategy nearest, regions eu, us, ap from .*three-regions\.yml/);
      // Once a replica is up the stop signals are handled (before, SIGTERM would just kill it).
      await waitForStderr(result, new RegExp(`replica ${replica.id} is up`));
      result.child.kill('SIGTERM');
      assert.equal(await result.exit, 0);
      const started = (await readFile(logFile, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { event: string; settings?: Record<string, unknown> })
        .find((event) => event.event === 'balancer-started');
      assert.equal(started?.settings?.['defaultRegion'], 'us', 'CDN_DEFAULT_REGION');
      assert.equal(started?.settings?.['topology'], DEFAULT_TOPOLOGY_FILE);

      const bad = run(
        ['-s', file.file, '-p', '0', '--topology', DEFAULT_TOPOLOGY_FILE, '--default-region', 'x'],
        dirname(file.file),
      );
      assert.equal(await bad.exit, 1);
      assert.match(bad.stderr(), /the default region "x" is not a region of/);
    },
  );

  it(
    'takes its shields from CDN_SHIELDS, and says in one line when that file is missing',
    { timeout: 10_000 },
    async () => {
      const shield = await FakeReplica.start();
      cleanups.push(() => shield.stop());
      const servers = await scratch([]);
      const shields = await scratch([shield.id]);
      const result = run(
        ['-s', servers.file, '-p', '0', '--probe-interval', '20ms'],
        dirname(servers.file),
        { CDN_SHIELDS: shields.file },
      );
      await waitForStderr(result, /across 0 replicas from .*, 1 shield\(s\) from /);
      await waitForStderr(result, new RegExp(`shield ${shield.id} is up`));
      const missing = join(dirname(shields.file), 'missing.txt');
      const bad = run(['-s', servers.file, '-p', '0', '--shields', missing], dirname(servers.file));
      assert.equal(await bad.exit, 1);
      assert.equal(
        bad.stderr().trim().split('\n').at(-1),
        `cdn-balancer: shields file ${missing} not found; create it with one shield address a line`,
      );
    },
  );

  it('rejects a query policy it does not know, naming --query, in one line', async () => {
    const file = await scratch(['127.0.0.1:1']);
    const result = run(['-s', file.file, '--query', 'allow='], dirname(file.file));
    assert.equal(await result.exit, 2);
    assert.match(result.stderr(), /--query must be keep, ignore or allow=NAME/);
    assert.equal(result.stderr().trim().split('\n').length, 1);
  });

  it('routes, logs JSON events and exits 0 on SIGTERM', async () => {
    const replica = await FakeReplica.start();
    cleanups.push(() => replica.stop());
    const file = await scratch([replica.id, 'not valid!']);
    const logFile = join(dirname(file.file), 'balancer.jsonl');
    const result = run(
      ['-s', file.file, '-p', '0', '-l', logFile, '--probe-interval', '20ms'],
      dirname(file.file),
      { CDN_STRATEGY: 'round-robin' },
    );
    const [, port] = await waitForStderr(
      result,
      /routing on 127\.0\.0\.1:(\d+) across 1 replica .*strategy round-robin/,
    );
    await waitForStderr(result, new RegExp(`replica ${replica.id} is up`));
    assert.match(result.stderr(), /line 2: .*line skipped/);

    const client = await RouteClient.open({ id: '', host: '127.0.0.1', port: Number(port) });
    cleanups.push(() => client.close());
    client.route('/index.html');
    const answer = await client.next();
    assert.equal(answer?.type === 'route-ok' && answer.best.id, replica.id);

    result.child.kill('SIGTERM');
    assert.equal(await result.exit, 0);
    const events = (await readFile(logFile, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; line?: number; path?: string });
    const names = new Set(events.map((event) => event.event));
    for (const name of [
      'balancer-started',
      'replica-added',
      'replica-state',
      'route',
      'shutdown-complete',
    ]) {
      assert.ok(names.has(name), `log has a ${name} event`);
    }
    assert.equal(events.find((event) => event.event === 'servers-file-problem')?.line, 2);
    assert.equal(events.find((event) => event.event === 'route')?.path, '/index.html');
  });

  it('logs at most --log-requests routes a second and counts the rest', async () => {
    const replica = await FakeReplica.start();
    cleanups.push(() => replica.stop());
    const file = await scratch([replica.id]);
    const logFile = join(dirname(file.file), 'balancer.jsonl');
    const result = run(
      [
        '-s',
        file.file,
        '-p',
        '0',
        '-l',
        logFile,
        '--probe-interval',
        '20ms',
        '--log-requests',
        '2',
      ],
      dirname(file.file),
    );
    const [, port] = await waitForStderr(result, /routing on 127\.0\.0\.1:(\d+)/);
    await waitForStderr(result, new RegExp(`replica ${replica.id} is up`));
    const client = await RouteClient.open({ id: '', host: '127.0.0.1', port: Number(port) });
    cleanups.push(() => client.close());
    for (let index = 0; index < 10; index += 1) {
      client.route(`/o${index}.bin`);
      assert.equal((await client.next())?.type, 'route-ok');
    }
    result.child.kill('SIGTERM');
    assert.equal(await result.exit, 0);
    const events = (await readFile(logFile, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; requests?: number });
    const routes = events.filter((event) => event.event === 'route').length;
    const counted = events
      .filter((event) => event.event === 'requests-not-logged')
      .reduce((sum, event) => sum + (event.requests ?? 0), 0);
    assert.ok(routes >= 2 && routes < 10, `${routes} route lines`);
    assert.equal(routes + counted, 10, 'every route is logged or counted');
  });
});
