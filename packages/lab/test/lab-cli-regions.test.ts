import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { tempDir } from './helpers.js';
import { clientCli, labCli, labCliUp } from './lab-cli-run.js';

const run = promisify(execFile);

async function curlExists(): Promise<boolean> {
  try {
    await run('curl', ['--version']);
    return true;
  } catch {
    return false;
  }
}

describe('cdn-lab up --topology', () => {
  it('lists --topology in its help, and in cdn-lab --help', async () => {
    const { stdout } = await run(process.execPath, [labCli, 'up', '--help']);
    assert.match(stdout, /--topology \[file\]/);
    assert.match(stdout, /three-regions\.yml/);
    const top = await run(process.execPath, [labCli, '--help']);
    assert.match(top.stdout, /--topology \[file\]: a world of regions/);
  });

  it('refuses a topology file it cannot read in one line, starting nothing', async (t) => {
    const dir = await tempDir(t);
    const result = await run(process.execPath, [
      ...[labCli, 'up', '--topology', 'no-such-world.yml', '--dir', dir, '--port', '0'],
      ...['--origin-port', '0', '--admin-port', '0'],
    ]).catch((error: { code: number; stderr: string }) => error);
    assert.equal('code' in result ? result.code : 0, 1);
    assert.equal(
      result.stderr.trim(),
      `cdn-lab: cannot read the topology ${join(process.cwd(), 'no-such-world.yml')}: no such file`,
    );
  });

  it('prints per region how to fetch as a client there, and the printed curl and cdn-client work', async (t) => {
    const dir = await tempDir(t);
    const { child, summary, stderr } = await labCliUp(t, [
      ...['--topology', '--replicas', '1', '--port', '0', '--origin-port', '0'],
      ...['--admin-port', '0', '--dir', dir, '--max-object-bytes', '100KiB'],
    ]);
    assert.match(
      summary,
      /cdn-lab is up: 3 replicas in 3 regions \(eu, us, ap\) .*strategy nearest/,
      `${summary}\n${stderr.join('\n')}`,
    );
    for (const [region, second] of [
      ['eu', 1],
      ['us', 2],
      ['ap', 3],
    ] as const) {
      assert.match(summary, new RegExp(`replica-${region}-1\\s+127\\.${second}\\.0\\.1:\\d+`));
      const client = new RegExp(`npx cdn-client (--region ${region} -s \\S+ -p \\d+) `).exec(
        summary,
      );
      assert.ok(client?.[1], `a cdn-client line for ${region}`);
      const fetched = await run(process.execPath, [
        ...[clientCli, ...client[1].split(' '), '--path', '/index.html', '-o', '-', '--json'],
      ]);
      assert.match(fetched.stderr, new RegExp(`served by 127\\.${second}\\.0\\.1:`));
      const curl = new RegExp(`curl --interface 127\\.${second}\\.200\\.1 .*`).exec(summary);
      assert.ok(curl, `a curl line for ${region}`);
      if (await curlExists()) {
        // The line as printed, through a shell: its -w names the replica that answered.
        const { stdout } = await run('sh', ['-c', curl[0]]);
        assert.match(stdout, new RegExp(`^127\\.${second}\\.0\\.1 \\d`), stdout);
      }
    }
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0, stderr.join('\n'));
  });
});
