import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { balancerOver } from './dashboard-page.js';

// As the balancer's package finds it (the lab itself does not depend on uPlot).
const require = createRequire(import.meta.resolve('@cdn-lab/balancer'));

describe('the dashboard files', () => {
  it('serves uPlot from the installed package, offline, and no other file of it', async (t) => {
    const { adminUrl } = await balancerOver(t, []);
    const page = await (await fetch(adminUrl)).text();
    for (const [name, type] of [
      ['uPlot.iife.min.js', 'text/javascript'],
      ['uPlot.min.css', 'text/css'],
    ] as const) {
      assert.ok(page.includes(`/dashboard/${name}`), `the page loads ${name}`);
      const response = await fetch(new URL(`/dashboard/${name}`, adminUrl));
      assert.equal(response.status, 200, name);
      assert.match(response.headers.get('content-type') ?? '', new RegExp(`^${type}`));
      const installed = await readFile(require.resolve(`uplot/dist/${name}`), 'utf8');
      assert.equal(await response.text(), installed, `${name} is the package's own file`);
    }
    const other = await fetch(new URL('/dashboard/uPlot.esm.js', adminUrl));
    assert.equal(other.status, 404, 'only the names the page uses');
    await other.body?.cancel();
  });
});
