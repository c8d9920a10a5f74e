import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSoak } from '../src/soak-report.js';
import { runSoak } from '../src/soak.js';

describe('soak (the 20-second version of npm run soak)', { timeout: 120_000 }, () => {
  it('serves a mixed load with faults switched on and off, verifying every download, with no process heap growing', async (t) => {
    const report = await runSoak({ durationMs: 20_000, network: '127.0.22' });
    const text = formatSoak(report);
    // In the test output even when it passes: how close each heap came to its limit.
    for (const line of text.split('\n')) t.diagnostic(line);
    assert.ok(report.requests > 100, text);
    assert.ok(report.ok > 0, text);
    assert.equal(report.digestsVerified, report.ok);
    assert.ok(report.faultsApplied.length >= 3, 'faults were switched on during the run');
    for (const cause of Object.keys(report.errorsByCause)) assert.match(cause, /^[a-z_]+$/);
    assert.equal(report.memory.length, 5, 'origin, 3 replicas, balancer');
    for (const process of report.memory) {
      assert.ok(process.heap.samples >= 15, `${process.name} sampled through the run\n${text}`);
      assert.ok(
        process.samples.every((sample) => sample.collected),
        `${process.name} measured after a full collection`,
      );
      assert.ok(process.resident.startBytes > 0 && process.resident.endBytes > 0, process.name);
      assert.equal(process.heap.verdict, 'steady', text);
    }
    assert.ok(report.memoryOk, text);
    assert.match(text, /digests verified: \d+/);
    assert.match(text, /errors by cause: /);
  });
});
