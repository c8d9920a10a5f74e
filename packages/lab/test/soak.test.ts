import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MEMORY_GROWTH_LIMIT_PERCENT, formatSoak, runSoak } from '../src/soak.js';

describe('soak (the 20-second version of npm run soak)', { timeout: 120_000 }, () => {
  it('serves a mixed load with faults switched on and off, verifying every download, without memory growth', async () => {
    const report = await runSoak({ durationMs: 20_000, network: '127.0.22' });
    const text = formatSoak(report);
    assert.ok(report.requests > 100, text);
    assert.ok(report.ok > 0, text);
    assert.equal(report.digestsVerified, report.ok);
    assert.ok(report.faultsApplied.length >= 3, 'faults were switched on during the run');
    for (const cause of Object.keys(report.errorsByCause)) assert.match(cause, /^[a-z_]+$/);
    assert.equal(report.memory.length, 5, 'origin, 3 replicas, balancer');
    for (const process of report.memory) {
      assert.ok(process.startBytes > 0 && process.endBytes > 0, process.name);
      assert.ok(process.growthPercent < MEMORY_GROWTH_LIMIT_PERCENT, text);
    }
    assert.match(text, /digests verified: \d+/);
    assert.match(text, /errors by cause: /);
  });
});
