import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { tempDir } from './helpers.js';
import { clientCli, isRunning, labCliUp } from './lab-cli-run.js';

describe('cdn-lab up', () => {
  it('starts a working CDN, and Ctrl-C stops it all with exit 0, leaving no process', async (t) => {
    const dir = await tempDir(t);
    const {
      child: lab,
      summary: text,
      stderr,
    } = await labCliUp(t, [
      ...['--replicas', '2', '--port', '0', '--origin-port', '0', '--admin-port', '0'],
      ...['--dir', dir, '--max-object-bytes', '100KiB'],
    ]);
    assert.match(text, /cdn-lab is up: 2 replicas/, `${text}\n${stderr.join('\n')}`);
    const pids = [...text.matchAll(/pid (\d+)/g)].map((match) => Number(match[1]));
    assert.equal(pids.length, 4, 'origin, two replicas and the balancer');
    assert.ok(pids.every(isRunning));
    const balancer = /balancer\s+127\.0\.0\.1:(\d+)/.exec(text);
    assert.ok(balancer?.[1], 'the summary names the balancer address');
    const dashboard = /dashboard\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(text)?.[1];
    assert.ok(dashboard, 'the summary names the dashboard URL');
    const status = (await (await fetch(`${dashboard}status`)).json()) as { replicas: unknown[] };
    assert.equal(status.replicas.length, 2);
    const replicaAdmins = [...text.matchAll(/admin (http:\/\/127\.0\.1\.\d+:\d+\/)/g)];
    assert.equal(replicaAdmins.length, 2, 'each replica row names its admin URL');

    await promisify(execFile)(process.execPath, [clientCli, '-s', '127.0.0.1', '-p', balancer[1]], {
      cwd: dir,
    });
    const fetched = await readFile(join(dir, 'website.html'));
    assert.deepEqual(fetched, await readFile(join(dir, 'site', 'index.html')));

    lab.kill('SIGINT');
    const [code] = (await once(lab, 'exit')) as [number | null];
    assert.equal(code, 0, stderr.join('\n'));
    assert.deepEqual(pids.filter(isRunning), [], 'every role process has exited');
  });
});
