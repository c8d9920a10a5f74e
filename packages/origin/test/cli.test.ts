import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { listen } from '@cdn-lab/common';
import { readManifest } from '../src/index.js';
import { fetchHttp, tempDir } from './helpers.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment without CDN_* variables, so the developer's settings do not leak in. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('CDN_')));
}

function startCli(args: string[], cwd: string): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function runCli(args: string[], cwd: string): Promise<Run> {
  const child = startCli(args, cwd);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

function assertOneLine(stderr: string): void {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got: ${stderr}`);
  assert.ok(!/\n\s+at /.test(stderr), 'no stack trace');
}

test('--demo writes the site into a directory whose parents do not exist yet', async () => {
  const base = await tempDir();
  const dir = join(base, 'not', 'yet', 'site');
  const run = await runCli(['--demo', dir, '--max-object-bytes', '10KiB'], base);
  assert.equal(run.code, 0, run.stderr);
  const manifest = await readManifest(dir);
  assert.deepEqual(
    manifest.objects.filter((e) => e.path.startsWith('/objects/')).map((e) => e.path),
    ['/objects/1k.bin', '/objects/10k.bin'],
  );
  assert.ok(run.stderr.includes(join(dir, 'manifest.json')), run.stderr);
  assert.ok(run.stderr.includes(`${manifest.objects.length} files`), run.stderr);

  const again = await runCli(['--demo', dir, '--max-object-bytes', '10KiB'], base);
  assert.equal(again.code, 0);
  assert.match(again.stderr, /up to date/);
});

test('--root naming a missing directory exits non-zero with one line naming it', async () => {
  const base = await tempDir();
  const missing = join(base, 'nonexistent');
  const run = await runCli(['--root', missing, '--port', '0'], base);
  assert.notEqual(run.code, 0);
  assertOneLine(run.stderr);
  assert.ok(run.stderr.includes(missing), run.stderr);
});

test('--root naming a file says it is not a directory', async () => {
  const base = await tempDir();
  await writeFile(join(base, 'file.txt'), 'x');
  const run = await runCli(['--root', join(base, 'file.txt'), '--port', '0'], base);
  assert.notEqual(run.code, 0);
  assertOneLine(run.stderr);
  assert.match(run.stderr, /is not a directory/);
});

test('a port in use is one clear line', async (t) => {
  const base = await tempDir();
  const blocker = createServer();
  await listen(blocker, '127.0.0.1', 0, 'test');
  t.after(() => blocker.close());
  const address = blocker.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const run = await runCli(['--root', base, '--port', String(port)], base);
  assert.notEqual(run.code, 0);
  assertOneLine(run.stderr);
  assert.match(run.stderr, /already in use/);
});

test('--demo DIR --serve serves the site and SIGTERM stops it with exit 0', async (t) => {
  const base = await tempDir();
  const dir = join(base, 'site');
  const child = startCli(
    [
      '--demo',
      dir,
      '--serve',
      '--max-object-bytes',
      '1KiB',
      '--port',
      '0',
      '-l',
      join(base, 'log.jsonl'),
    ],
    base,
  );
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = / at (http:\/\/\S+?)\/? /.exec(stderr);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', () => reject(new Error(`exited early: ${stderr}`)));
  });
  const reply = await fetchHttp(`${url}/manifest.json`);
  assert.equal(reply.status, 200);
  assert.equal(reply.body.toString(), await readFile(join(dir, 'manifest.json'), 'utf8'));

  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
  const events = (await readFile(join(base, 'log.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { event: string }).event);
  for (const name of ['demo-written', 'listening', 'request', 'stopping', 'closed']) {
    assert.ok(events.includes(name), `log has ${name}: ${events.join(',')}`);
  }
});
