import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { tempDir } from './helpers.js';
import { isRunning, labCli, labCliUp } from './lab-cli-run.js';

const run = promisify(execFile);

describe('cdn-lab up --shield N', () => {
  it('lists --shield in its help, and refuses a bad N in one line naming the flag', async (t) => {
    const { stdout } = await run(process.execPath, [labCli, 'up', '--help']);
    assert.match(stdout, /--shield <n>/);
    const dir = await tempDir(t);
    for (const bad of ['x', '-1', '55', '1.5']) {
      const result = await run(process.execPath, [
        ...[labCli, 'up', '--shield', bad, '--dir', dir, '--port', '0', '--origin-port', '0'],
      ]).catch((error: { code: number; stderr: string }) => error);
      assert.equal('code' in result ? result.code : 0, 2, bad);
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0] ?? '', /^cdn-lab: option '--shield <n>' argument '.*' is invalid/);
    }
  });

  it('with --topology: the shield in the origin region, the edges asking it, Ctrl-C stopping all', async (t) => {
    const dir = await tempDir(t);
    const { child, summary, stderr } = await labCliUp(t, [
      ...['--topology', '--replicas', '1', '--shield', '1', '--port', '0', '--origin-port', '0'],
      ...['--admin-port', '0', '--dir', dir, '--max-object-bytes', '100KiB'],
    ]);
    assert.match(
      summary,
      /3 replicas in 3 regions .*, 1 shield between them and the origin/,
      `${summary}\n${stderr.join('\n')}`,
    );
    const shield = /shield-1\s+(127\.2\.0\.201:\d+)/.exec(summary)?.[1];
    assert.ok(shield, 'shield-1 sits in us (the origin region) at 127.2.0.201');
    assert.match(
      summary,
      /Tiers: clients -> 3 edges .* -> 1 shield \(shield-1, tier shield\) -> origin/,
    );
    const pids = [...summary.matchAll(/pid (\d+)/g)].map((match) => Number(match[1]));
    assert.equal(pids.length, 6, 'origin, three edges, the shield and the balancer');

    for (const [region, second, expected] of [
      ['eu', 1, 'miss'],
      ['ap', 3, 'hit'],
    ] as const) {
      const edge = new RegExp(`replica-${region}-1\\s+(127\\.${second}\\.0\\.1:\\d+)`).exec(
        summary,
      );
      assert.ok(edge?.[1], `the ${region} edge's row`);
      const response = await fetch(`http://${edge[1]}/pages/about.html`);
      assert.equal(response.status, 200);
      await response.arrayBuffer();
      assert.equal(response.headers.get('x-cache'), `miss; parent=${shield} (${expected})`, region);
    }

    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0, stderr.join('\n'));
    assert.ok(
      stderr.some((line) =>
        line.includes('then edges (finishing their transfers), then shields, then origin'),
      ),
    );
    assert.deepEqual(pids.filter(isRunning), [], 'every role process has exited');
  });
});
