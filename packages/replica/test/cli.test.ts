import assert from 'node:assert/strict';
import { fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { isReadyMessage, type ReadyMessage } from '@cdn-lab/common';
import { TestClient, assertFetched } from './test-client.js';
import { TestOrigin, bytesOf } from './test-origin.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));

async function runToExit(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, CDN_ORIGIN: '', CDN_WEBPAGE: '' },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stderr };
}

describe('cdn-replica command', { timeout: 20_000 }, () => {
  it('says in one line what is missing or wrong, and exits non-zero', async () => {
    const nothing = await runToExit(['-p', '0']);
    assert.notEqual(nothing.code, 0);
    assert.match(nothing.stderr, /^cdn-replica: nothing to serve: give the default object with -w/);
    assert.equal(nothing.stderr.trim().split('\n').length, 1);

    const badOrigin = await runToExit(['-p', '0', '--origin', 'nope']);
    assert.notEqual(badOrigin.code, 0);
    assert.match(badOrigin.stderr, /the origin "nope" is not a URL/);

    const badSize = await runToExit([
      '-p',
      '0',
      '--origin',
      'http://127.0.0.1:1',
      '--cache-bytes',
      'lots',
    ]);
    assert.notEqual(badSize.code, 0);
    assert.match(badSize.stderr, /--cache-bytes/);

    const badQuery = await runToExit(['-p', '0', '--origin', 'http://127.0.0.1:1', '--query', 'x']);
    assert.equal(badQuery.code, 2);
    assert.match(badQuery.stderr, /--query must be keep, ignore or allow=NAME/);
    assert.equal(badQuery.stderr.trim().split('\n').length, 1);

    const origin = ['-p', '0', '--origin', 'http://127.0.0.1:1'];
    const badLog = await runToExit([...origin, '--log-requests', 'lots']);
    assert.equal(badLog.code, 2);
    assert.match(badLog.stderr, /--log-requests.*"lots" is not all, off or a whole number/);
    assert.equal(badLog.stderr.trim().split('\n').length, 1);
    const badLevel = await runToExit([...origin, '--log-level', 'loud']);
    assert.equal(badLevel.code, 2);
    assert.match(badLevel.stderr, /--log-level.*debug, info, warn, error/);
  });

  it('serves, then drains on SIGTERM and exits 0 with drain events in its log', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    const page = bytesOf(5000);
    origin.put('/index.html', page);
    const dir = await mkdtemp(join(tmpdir(), 'cdn-replica-cli-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const logFile = join(dir, 'replica.log');
    const child = fork(
      CLI,
      ['-p', '0', '--origin', origin.url, '-w', '/index.html', '-l', logFile],
      {
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      },
    );
    t.after(() => child.kill('SIGKILL'));
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit');
    const ready = await new Promise<ReadyMessage>((resolve) =>
      child.on('message', (message) => isReadyMessage(message) && resolve(message)),
    );
    assert.equal(ready.host, '127.0.0.1');

    const client = await TestClient.connect(ready.port);
    assertFetched(await client.fetch(null), page);
    client.close();

    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0);
    assert.match(stderr, /\[replica\] serving on 127\.0\.0\.1:\d+; origin http/);
    const events = (await readFile(logFile, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { event: string }).event);
    for (const event of [
      'listening',
      'connection',
      'request',
      'transfer-done',
      'drain-start',
      'drain-done',
    ]) {
      assert.ok(events.includes(event), `log has ${event}`);
    }
  });
});
