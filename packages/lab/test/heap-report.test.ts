import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestHeapReport } from '../src/heap-sampler.js';
import { spawnRole } from '../src/role-process.js';
import { tempDir } from './helpers.js';

describe('a role reports its heap to its supervisor', () => {
  for (const [how, execArgv, collected] of [
    ['after a full collection when started with --expose-gc', ['--expose-gc'], true],
    ['without a collection otherwise, and says so', [], false],
  ] as const) {
    it(how, async (t) => {
      const root = await tempDir(t);
      const origin = await spawnRole(
        'origin',
        'origin',
        ['--root', root, '--host', '127.0.0.1', '--port', '0'],
        { execArgv: [...execArgv] },
      );
      t.after(() => origin.stop());
      const report = await requestHeapReport(origin.child);
      assert.equal(report.collected, collected);
      assert.ok(report.heapUsedBytes > 1024 * 1024, String(report.heapUsedBytes));
      assert.ok(report.residentBytes > report.heapUsedBytes);
    });
  }

  it('fails, rather than waiting forever, once the role has exited', async (t) => {
    const root = await tempDir(t);
    const origin = await spawnRole('origin', 'origin', ['--root', root, '--port', '0']);
    await origin.stop();
    await assert.rejects(requestHeapReport(origin.child, 1_000));
  });
});
