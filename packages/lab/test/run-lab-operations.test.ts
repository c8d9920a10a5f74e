import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { startLab } from '../src/lab.js';
import { LAB_DEFAULTS } from '../src/lab-options.js';
import { isRunning } from './lab-cli-run.js';
import { tempDir } from './helpers.js';

async function serverLines(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  return text.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

describe('cdn-lab run: the lab operations a timeline uses', () => {
  it('kills, scales and restarts roles, and the lab’s stop still stops every process it ever ran', async (t) => {
    const dir = await tempDir(t);
    const unexpected: string[] = [];
    const lab = await startLab({
      ...LAB_DEFAULTS,
      dir,
      replicas: 2,
      port: 0,
      originPort: 0,
      adminPort: 0,
      replicaNetwork: '127.0.33',
      strategy: undefined,
      maxObjectBytes: 10 * 1024,
      onLine: () => undefined,
      onUnexpectedExit: (name) => unexpected.push(name),
    });
    const pids: number[] = [];
    t.after(async () => {
      await lab.stop();
    });
    const note = (): void => {
      for (const role of [lab.origin, lab.balancer, ...lab.replicas]) {
        if (role.child.pid !== undefined && !pids.includes(role.child.pid))
          pids.push(role.child.pid);
      }
    };
    note();

    await lab.scaleEdges(3);
    note();
    assert.deepEqual(
      lab.replicas.map((role) => role.name),
      ['replica-1', 'replica-2', 'replica-3'],
    );
    const third = lab.replicas[2];
    assert.equal(third?.ready.host, '127.0.33.3', 'the next address');
    assert.equal((await serverLines(lab.serversFile)).length, 3);
    assert.ok(await answers(`http://127.0.33.3:${third?.ready.port}/index.html`));

    await lab.stopRole('replica-1', 'SIGKILL');
    assert.equal(
      (await serverLines(lab.serversFile)).length,
      3,
      'a killed replica stays listed: the balancer shows it down',
    );
    await assert.rejects(lab.stopRole('replica-1', 'SIGKILL'), /replica-1 is not running/);
    await assert.rejects(lab.stopRole('replica-7', 'SIGTERM'), /no role replica-7/);

    await lab.scaleEdges(2);
    assert.deepEqual(await serverLines(lab.serversFile), [
      `127.0.33.1:${lab.replicas[0]?.ready.port}`,
      `127.0.33.2:${lab.replicas[1]?.ready.port}`,
    ]);
    assert.equal(third && isRunning(third.child.pid ?? 0), false, 'scaled down: stopped');

    const originPort = lab.origin.ready.port;
    const firstOrigin = lab.origin.child.pid;
    await lab.setOrigin('down');
    assert.equal(await answers(`${lab.originUrl}/index.html`), false);
    await assert.rejects(lab.setOrigin('down'), /already down/);
    await lab.setOrigin('up');
    note();
    assert.notEqual(lab.origin.child.pid, firstOrigin);
    assert.equal(lab.origin.ready.port, originPort, 'the same port: the replicas find it again');
    assert.ok(await answers(`${lab.originUrl}/index.html`));
    await assert.rejects(lab.setRegion('eu', 'down'), /no region eu/);

    assert.deepEqual(unexpected, [], 'nothing the lab did counts as an unexpected exit');
    await lab.stop();
    assert.deepEqual(pids.filter(isRunning), [], 'every process, those started later included');
  });
});
